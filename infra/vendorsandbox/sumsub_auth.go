package vendorsandbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"time"
)

const (
	// sumsubClockSkew is how far X-App-Access-Ts may be from the sandbox's clock, both ways.
	sumsubClockSkew = 5 * time.Minute
	maxRequestBody  = 1 << 20
)

// sumsubError is Sumsub's error answer: description, the HTTP code again, a correlation
// id, and for some errors a numeric errorCode with its errorName.
type sumsubError struct {
	Description   string `json:"description"`
	Code          int    `json:"code"`
	CorrelationID string `json:"correlationId"`
	ErrorCode     int    `json:"errorCode,omitempty"`
	ErrorName     string `json:"errorName,omitempty"`
}

func writeSumsubError(w http.ResponseWriter, status int, description string) {
	writeJSON(w, status, sumsubError{Description: description, Code: status, CorrelationID: correlationID()})
}

// sumsubAuth refuses, with Sumsub's 401, a request whose app token, timestamp or
// signature is wrong, and hands the others to next with the body readable again.
func (s *Sandbox) sumsubAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeSumsubError(w, http.StatusRequestEntityTooLarge, "Request body is too large")
				return
			}
			writeSumsubError(w, http.StatusBadRequest, "Cannot read the request body")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if refusal := s.checkSumsubRequest(r, body); refusal != nil {
			refusal.Code = http.StatusUnauthorized
			refusal.CorrelationID = correlationID()
			writeJSON(w, http.StatusUnauthorized, refusal)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkSumsubRequest checks the three X-App headers as Sumsub documents them: the app
// token, a unix-seconds timestamp close to now, and the lowercase hex HMAC-SHA256, keyed
// with the token's secret, of timestamp + upper-case method + path with query + body.
//
// The error codes and names follow Sumsub's published list where it has one (4000, 4002,
// 4003); a stale timestamp has none there, so it answers without one. Our client should
// act on the 401, not on these codes.
func (s *Sandbox) checkSumsubRequest(r *http.Request, body []byte) *sumsubError {
	token := r.Header.Get("X-App-Token")
	if token == "" {
		return &sumsubError{Description: "App token is missing (X-App-Token)", ErrorCode: 4000, ErrorName: "app-token-invalid-format"}
	}
	if s.sumsub.AppToken == "" || !hmac.Equal([]byte(token), []byte(s.sumsub.AppToken)) {
		return &sumsubError{Description: "App token is invalid", ErrorCode: 4002, ErrorName: "app-token-private-part-mismatch"}
	}
	tsHeader := r.Header.Get("X-App-Access-Ts")
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return &sumsubError{Description: "Request timestamp (X-App-Access-Ts) is missing or not unix seconds"}
	}
	if skew := s.now().Sub(time.Unix(ts, 0)); skew > sumsubClockSkew || skew < -sumsubClockSkew {
		return &sumsubError{Description: "Request timestamp (X-App-Access-Ts) is more than 5 minutes from the server's time"}
	}
	sig := r.Header.Get("X-App-Access-Sig")
	if sig == "" {
		return &sumsubError{Description: "Request signature (X-App-Access-Sig) is missing", ErrorCode: 4003, ErrorName: "app-token-signature-mismatch"}
	}
	for _, uri := range signedURIs(r) {
		want := sumsubRequestSignature(s.sumsub.SecretKey, tsHeader, r.Method, uri, body)
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return &sumsubError{Description: "Request signature mismatch", ErrorCode: 4003, ErrorName: "app-token-signature-mismatch"}
}

// signedURIs are the paths-with-query a client may have signed: the one under the
// handler (what a client whose base URL includes the mount prefix signs when it signs the
// path it appends) and the one on the wire (what it signs when it signs the whole request
// URI). They are the same when the handler is mounted at the root.
func signedURIs(r *http.Request) []string {
	rel := r.URL.EscapedPath()
	if r.URL.RawQuery != "" || r.URL.ForceQuery {
		rel += "?" + r.URL.RawQuery
	}
	if r.RequestURI == "" || r.RequestURI == rel {
		return []string{rel}
	}
	return []string{rel, r.RequestURI}
}

func sumsubRequestSignature(secret, ts, method, uri string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte(method))
	mac.Write([]byte(uri))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// digestHash is the hash of a Sumsub X-Payload-Digest-Alg, or nil for an unknown one.
func digestHash(alg string) func() hash.Hash {
	switch alg {
	case DigestSHA1:
		return sha1.New
	case DigestSHA256:
		return sha256.New
	case DigestSHA512:
		return sha512.New
	}
	return nil
}

// payloadDigest is X-Payload-Digest: the lowercase hex HMAC of the exact body bytes.
func payloadDigest(alg, secret string, body []byte) string {
	mac := hmac.New(digestHash(alg), []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
