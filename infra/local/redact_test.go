package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestInvocationRecordsAreRedactedForTheControlEndpoint(t *testing.T) {
	cases := []struct {
		name      string
		request   string
		response  string
		forbidden []string // must not appear in the redacted record
		kept      []string // must still appear
	}{
		{
			name:      "an HTTP event loses its Authorization header in any case, cookies and body",
			request:   `{"routeKey":"POST /v1/screenings","headers":{"AuThOrIzAtIoN":"Bearer cgk_k1_s3cret","content-type":"application/json","cookie":"sid=abc"},"cookies":["sid=abc"],"body":"{\"name\":\"Jane Doe\"}"}`,
			response:  `{"statusCode":201,"headers":{"set-cookie":"x"},"body":"{\"screeningId\":\"s1\",\"query\":\"Jane Doe\"}"}`,
			forbidden: []string{"cgk_k1_s3cret", "sid=abc", "Jane Doe", "screeningId"},
			kept:      []string{`"routeKey":"POST /v1/screenings"`, `"content-type":"application/json"`, `"statusCode":201`, `"bodyBytes":39`},
		},
		{
			name: "an HTTP event loses its query values, its Idempotency-Key and the claims that name a person",
			request: `{"routeKey":"GET /v1/me","rawQueryString":"api_key=cgk_k1_s3cret&limit=5","queryStringParameters":{"api_key":"cgk_k1_s3cret","limit":"5"},` +
				`"headers":{"Idempotency-Key":"idem-7f3a","x-request-id":"r1"},` +
				`"requestContext":{"authorizer":{"jwt":{"claims":{"sub":"a1b2","cognito:groups":"[admin]","email":"jane@example.com","cognito:username":"jane","username":"jane.doe"},"scopes":null}}}}`,
			forbidden: []string{"cgk_k1_s3cret", `"5"`, "limit=5", "idem-7f3a", "jane@example.com", `"jane"`, "jane.doe"},
			kept: []string{`"rawQueryString":"api_key=[redacted]\u0026limit=[redacted]"`, `"api_key":"[redacted]"`, `"limit":"[redacted]"`,
				`"Idempotency-Key":"[redacted]"`, `"x-request-id":"r1"`, `"sub":"a1b2"`, `"cognito:groups":"[admin]"`, `"email":"[redacted]"`},
		},
		{
			name:      "SQS records keep their ids and lose their bodies",
			request:   `{"Records":[{"messageId":"m1","body":"{\"email\":\"jane@example.com\"}","eventSource":"aws:sqs"}]}`,
			response:  `{"batchItemFailures":[]}`,
			forbidden: []string{"jane@example.com", "batchItemFailures"},
			kept:      []string{`"messageId":"m1"`, `"bytes":24`},
		},
		{
			name:      "DynamoDB stream records keep their keys and lose their images",
			request:   `{"Records":[{"eventName":"INSERT","dynamodb":{"Keys":{"PK":{"S":"T#1"}},"NewImage":{"PK":{"S":"T#1"},"name":{"S":"Jane Doe"}},"OldImage":{"name":{"S":"J. Doe"}}}}]}`,
			forbidden: []string{"Jane Doe", "J. Doe"},
			kept:      []string{`"Keys":{"PK":{"S":"T#1"}}`, "[redacted: 2 attributes]"},
		},
		{
			name:      "a payload that is not JSON keeps only its size",
			request:   `"Bearer cgk_k1_s3cret..."`,
			forbidden: []string{"cgk_k1_s3cret"},
			kept:      []string{`"bytes":25`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := Record{Function: "Fn", Request: json.RawMessage(c.request)}
			if c.response != "" {
				rec.Response = json.RawMessage(c.response)
			}
			out, err := json.Marshal(redactRecord(rec))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range c.forbidden {
				if strings.Contains(string(out), f) {
					t.Errorf("%q survived redaction: %s", f, out)
				}
			}
			for _, k := range c.kept {
				if !strings.Contains(string(out), k) {
					t.Errorf("%q was lost: %s", k, out)
				}
			}
		})
	}
}
