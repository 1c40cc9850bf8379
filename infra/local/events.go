package main

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chainfi/chainguard/infra/stack"
)

// asyncAttempts is how many times Lambda tries an asynchronous invocation (EventBridge
// targets): the first try and two retries.
const asyncAttempts = 3

// relayEvents invokes a rule's function with each event the emulator delivered to the
// rule's relay queue. The emulator evaluated the rule's pattern (and Input/InputPath), so
// the message body is exactly what EventBridge would hand to Lambda. A failed event is
// left on the relay and retried when it becomes visible again, and dropped after
// asyncAttempts tries, as Lambda does with asynchronous invocations.
func (rn *Runner) relayEvents(ctx context.Context, client *sqs.Client, qs stack.QueueSource, msgs []sqstypes.Message) {
	for _, m := range msgs {
		payload := completeEvent([]byte(aws.ToString(m.Body)), rn.dep.Account)
		res := rn.invoke(ctx, qs.FunctionID, "eventbridge "+qs.BusName+"/"+qs.RuleName, payload)
		if ctx.Err() != nil {
			return // stopping: the event stays on the relay
		}
		attempts, _ := strconv.Atoi(m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)])
		if res.Err != nil && attempts < asyncAttempts {
			continue
		}
		if res.Err != nil {
			rn.con.printf("%-20s eventbridge event dropped after %d attempts", qs.FunctionID, attempts)
		}
		_, _ = client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(qs.QueueURL), ReceiptHandle: m.ReceiptHandle})
	}
}

// completeEvent adds the fields moto leaves out of the events it delivers (account), so
// that the function sees the full EventBridge envelope. A body that is not an event (a
// rule target's constant Input) is passed through untouched.
func completeEvent(body []byte, account string) []byte {
	var ev map[string]json.RawMessage
	if json.Unmarshal(body, &ev) != nil || ev["detail-type"] == nil || ev["account"] != nil {
		return body
	}
	acct, _ := json.Marshal(account)
	ev["account"] = acct
	if out, err := json.Marshal(ev); err == nil {
		return out
	}
	return body
}
