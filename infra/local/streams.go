package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chainfi/chainguard/infra/stack"
)

// DynamoDB stream event sources. The emulator keeps a table's stream but invokes nothing,
// so the runner does what Lambda's event source mapping does: it reads every shard in
// order, drops the records the filter refuses, batches the rest and invokes the function
// with one batch at a time per shard, retries failed batches, and hands what it gives up
// on to the OnFailure destination.
const (
	// streamIdleWait is the first sleep after an empty read, doubled up to streamIdleMax,
	// which is Lambda's own pace (it reads each shard four times a second): a write shows
	// up in the function within a quarter of a second, as in AWS, and an idle stream
	// costs four reads a second (our launcher forgets a used iterator; stock moto keeps
	// each for its lifetime).
	streamIdleWait = 200 * time.Millisecond
	streamIdleMax  = 250 * time.Millisecond
	// streamShardScan is how often the stream is described again to find new shards.
	streamShardScan = 5 * time.Second
	// localMaxRetries stands in for MaximumRetryAttempts -1 (Lambda's default: retry
	// until the records expire, 24 hours later): locally a poisoned batch would block its
	// shard for a day, so the runner gives up after this many retries.
	localMaxRetries = 10
	retryBackoffMax = 5 * time.Second
	// maxGetRecords is the most records GetRecords returns at once.
	maxGetRecords = 1000
)

// startStreams starts one poller per enabled DynamoDB event source.
func (rn *Runner) startStreams(ctx context.Context) {
	if len(rn.dep.Streams) == 0 {
		return
	}
	client := dynamodbstreams.NewFromConfig(rn.cfg)
	queues := sqs.NewFromConfig(rn.cfg)
	for _, ss := range rn.dep.Streams {
		if !ss.Enabled {
			rn.con.printf("%-20s stream source %s is disabled", ss.FunctionID, ss.Source)
			continue
		}
		filter, err := compileFilter(ss.Filters)
		if err != nil {
			rn.con.printf("%-20s stream source %s NOT STARTED: FilterCriteria: %v", ss.FunctionID, ss.Source, err)
			continue
		}
		if ss.MaximumRetryAttempts < 0 {
			rn.con.printf("%-20s stream source %s: MaximumRetryAttempts -1 retries until records expire in AWS; the runner gives up after %d retries", ss.FunctionID, ss.Source, localMaxRetries)
		}
		sp := &streamPoller{rn: rn, streams: client, sqs: queues, src: ss, filter: filter}
		rn.wg.Add(1)
		go func() {
			defer rn.wg.Done()
			sp.run(ctx)
		}()
	}
}

type streamPoller struct {
	rn      *Runner
	streams streamsAPI
	sqs     *sqs.Client
	src     stack.StreamSource
	filter  eventFilter
}

// streamsAPI is the part of the DynamoDB Streams client the poller uses, so that tests can
// script a stream's shards and failures.
type streamsAPI interface {
	DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// run reads every shard of the stream, a child shard only once its parent is done, as
// Lambda does to keep each item's changes in order.
func (sp *streamPoller) run(ctx context.Context) {
	sched := newShardScheduler(sp.src.StartingPosition)
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		shards, err := sp.describe(ctx)
		if err != nil {
			if ctx.Err() == nil {
				sp.rn.con.printf("%-20s stream %s: %v", sp.src.FunctionID, sp.src.StreamARN, err)
				sleepCtx(ctx, streamShardScan)
			}
			continue
		}
		for _, st := range sched.next(shards) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer close(st.done)
				sp.readShard(ctx, st.shard, st.position)
			}()
		}
		sleepCtx(ctx, streamShardScan)
	}
}

// shardScheduler decides when each shard may be read. A child shard holds the changes
// that follow its parent's, so it starts only once its parent's reader is done; the
// parent may be listed after the child in the same scan, so the listing order proves
// nothing. A child whose parent is not listed (trimmed, or not yet visible) waits one
// scan for it to show up, then starts.
type shardScheduler struct {
	startingPosition string
	scan             int                      // scans so far
	firstSeen        map[string]int           // shard -> scan that first listed it
	done             map[string]chan struct{} // started shard -> closed when its reader is done
}

// shardStart is a shard to read now; its reader closes done when it returns.
type shardStart struct {
	shard, position string
	done            chan struct{}
}

func newShardScheduler(startingPosition string) *shardScheduler {
	return &shardScheduler{startingPosition: startingPosition, firstSeen: map[string]int{}, done: map[string]chan struct{}{}}
}

// next takes one scan's listing and returns the shards to start now. StartingPosition
// applies to the shards listed when the mapping starts; shards that appear later are
// read from their beginning.
func (s *shardScheduler) next(shards []streamtypes.Shard) []shardStart {
	scan := s.scan
	s.scan++
	listed := map[string]bool{}
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		listed[id] = true
		if _, ok := s.firstSeen[id]; !ok {
			s.firstSeen[id] = scan
		}
	}
	var starts []shardStart
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		if _, ok := s.done[id]; ok || !s.mayStart(id, aws.ToString(sh.ParentShardId), listed, scan) {
			continue
		}
		position := "TRIM_HORIZON"
		if s.firstSeen[id] == 0 {
			position = s.startingPosition
		}
		st := shardStart{shard: id, position: position, done: make(chan struct{})}
		s.done[id] = st.done
		starts = append(starts, st)
	}
	return starts
}

func (s *shardScheduler) mayStart(id, parent string, listed map[string]bool, scan int) bool {
	if parent == "" {
		return true
	}
	if done, ok := s.done[parent]; ok {
		return isClosed(done)
	}
	if listed[parent] {
		return false // the parent starts in this scan; the child waits for it to finish
	}
	return s.firstSeen[id] < scan // an unknown parent: wait one scan for it
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func (sp *streamPoller) describe(ctx context.Context) ([]streamtypes.Shard, error) {
	var shards []streamtypes.Shard
	var after *string
	for {
		out, err := sp.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(sp.src.StreamARN), ExclusiveStartShardId: after})
		if err != nil {
			return nil, err
		}
		shards = append(shards, out.StreamDescription.Shards...)
		if after = out.StreamDescription.LastEvaluatedShardId; after == nil {
			return shards, nil
		}
	}
}

// shardReader is the position of one shard's reader.
type shardReader struct {
	sp       *streamPoller
	shard    string
	start    string // the iterator type to start with
	lastRead string // sequence number of the last record read (not necessarily processed)
	iterator string
}

// readShard reads one shard until it closes or ctx ends. Records are read ahead into one
// batch at a time; a failed batch is retried from memory, so the iterator only moves
// forward.
func (sp *streamPoller) readShard(ctx context.Context, shard, position string) {
	r := &shardReader{sp: sp, shard: shard, start: position}
	var batch []streamRecord
	var firstAt time.Time
	idle := streamIdleWait
	failing := 0 // consecutive failed requests, GetShardIterator or GetRecords
	for ctx.Err() == nil {
		if r.iterator == "" {
			if err := r.acquire(ctx); err != nil {
				sp.backoff(ctx, shard, &failing, err)
				continue
			}
		}
		out, err := sp.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{
			ShardIterator: aws.String(r.iterator), Limit: aws.Int32(int32(min(sp.src.BatchSize-len(batch), maxGetRecords))),
		})
		if err != nil {
			// An expired or unknown iterator (an emulator that frees used ones, a
			// restart): take a new one after the last record read.
			r.iterator = ""
			sp.backoff(ctx, shard, &failing, err)
			continue
		}
		failing = 0
		next := aws.ToString(out.NextShardIterator)
		for _, rec := range out.Records {
			r.lastRead = aws.ToString(rec.Dynamodb.SequenceNumber)
			ev := toStreamRecord(rec, sp.src.StreamARN)
			if !sp.filter.match(ev.generic()) {
				continue
			}
			if len(batch) == 0 {
				firstAt = time.Now()
			}
			batch = append(batch, ev)
		}
		closed := next == ""
		if len(batch) > 0 && (len(batch) >= sp.src.BatchSize || time.Since(firstAt) >= sp.src.BatchingWindow || closed) {
			sp.process(ctx, shard, batch)
			batch = nil
		}
		if closed {
			return
		}
		r.iterator = next
		if len(out.Records) > 0 {
			idle = streamIdleWait
			continue
		}
		wait := idle
		if len(batch) > 0 {
			wait = min(wait, time.Until(firstAt.Add(sp.src.BatchingWindow)))
		}
		sleepCtx(ctx, max(wait, 10*time.Millisecond))
		idle = min(idle*2, streamIdleMax)
	}
}

// backoff follows a failed stream request: it says so once per run of failures, so that
// a stream that is gone does not flood the log, and waits longer after each failure, up
// to retryBackoffMax, so that it does not hammer the emulator either.
func (sp *streamPoller) backoff(ctx context.Context, shard string, failing *int, err error) {
	if ctx.Err() != nil {
		return
	}
	if *failing == 0 {
		sp.rn.con.printf("%-20s stream shard %s: %v (retrying with a new iterator)", sp.src.FunctionID, shard, err)
	}
	*failing++
	sleepCtx(ctx, min(streamIdleWait*time.Duration(*failing), retryBackoffMax))
}

// acquire gets an iterator: at the starting position, or after the last record read.
func (r *shardReader) acquire(ctx context.Context) error {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(r.sp.src.StreamARN), ShardId: aws.String(r.shard),
		ShardIteratorType: streamtypes.ShardIteratorType(r.start)}
	if r.lastRead != "" {
		in.ShardIteratorType, in.SequenceNumber = streamtypes.ShardIteratorTypeAfterSequenceNumber, aws.String(r.lastRead)
	}
	out, err := r.sp.streams.GetShardIterator(ctx, in)
	if err != nil {
		return fmt.Errorf("get shard iterator: %w", err)
	}
	r.iterator = aws.ToString(out.ShardIterator)
	if r.iterator == "" {
		return errors.New("get shard iterator: the shard is closed")
	}
	return nil
}

// process invokes the function with batch until it succeeds, retrying as Lambda does:
// the whole batch after a function error (or, with BisectBatchOnFunctionError, each half
// on its own), and from the first reported failure with ReportBatchItemFailures (the
// records before it are done). Every retry counts, partial or not: after
// MaximumRetryAttempts retries the batch's description goes to the OnFailure destination
// and the shard moves on.
func (sp *streamPoller) process(ctx context.Context, shard string, batch []streamRecord) {
	limit := sp.src.MaximumRetryAttempts
	if limit < 0 {
		limit = localMaxRetries
	}
	retries := 0
	for len(batch) > 0 && ctx.Err() == nil {
		res, failedFrom := sp.invoke(ctx, batch)
		switch {
		case canceled(ctx, res):
			return
		case res.Err == nil && failedFrom < 0:
			return
		case res.Err != nil && sp.src.BisectBatchOnFunctionError && len(batch) > 1:
			// Halving does not use up a retry: each half gets its own.
			half := len(batch) / 2
			sp.process(ctx, shard, batch[:half])
			sp.process(ctx, shard, batch[half:])
			return
		case failedFrom > 0:
			batch = batch[failedFrom:]
		}
		if retries >= limit {
			sp.giveUp(ctx, shard, batch, res, retries+1)
			return
		}
		retries++
		sleepCtx(ctx, min(streamIdleWait<<(retries-1), retryBackoffMax))
	}
}

// invoke sends one batch. failedFrom is the index of the first record to retry after a
// partial failure report (-1 when none); a report that names a record not in the batch
// fails the whole batch, as Lambda does.
func (sp *streamPoller) invoke(ctx context.Context, batch []streamRecord) (Result, int) {
	payload, err := json.Marshal(map[string]any{"Records": batch})
	if err != nil {
		return Result{Err: &FunctionError{Type: "Runner.EncodeError", Message: err.Error()}}, -1
	}
	res := sp.rn.invoke(ctx, sp.src.FunctionID, fmt.Sprintf("dynamodb %s x%d", streamTable(sp.src.StreamARN), len(batch)), payload)
	if res.Err != nil || !sp.src.ReportBatchItemFailures {
		return res, -1
	}
	from, err := firstFailure(res.Payload, batch)
	if err != nil {
		sp.rn.con.printf("%-20s stream batch treated as failed: %v", sp.src.FunctionID, err)
		res.Err = &FunctionError{Type: "Runner.InvalidBatchItemFailures", Message: err.Error()}
		return res, -1
	}
	return res, from
}

// firstFailure reads a partial batch response: the index of the failed record with the
// lowest sequence number, or -1 when every record succeeded.
func firstFailure(payload []byte, batch []streamRecord) (int, error) {
	trimmed := strings.TrimSpace(string(payload))
	if trimmed == "" || trimmed == "null" || trimmed == "{}" {
		return -1, nil
	}
	var resp events.DynamoDBEventResponse
	if err := json.Unmarshal(payload, &resp); err != nil {
		return -1, errors.New("response is not a batch item failure report")
	}
	index := map[string]int{}
	for i, r := range batch {
		index[r.Dynamodb.SequenceNumber] = i
	}
	first := -1
	for _, f := range resp.BatchItemFailures {
		i, ok := index[f.ItemIdentifier]
		if !ok {
			return -1, fmt.Errorf("batchItemFailures names a sequence number not in the batch: %q", f.ItemIdentifier)
		}
		if first < 0 || i < first {
			first = i
		}
	}
	return first, nil
}

// giveUp sends what Lambda sends to an OnFailure destination for a stream batch: where
// the records are, not the records themselves.
func (sp *streamPoller) giveUp(ctx context.Context, shard string, batch []streamRecord, last Result, invokes int) {
	first, lastRec := batch[0], batch[len(batch)-1]
	desc := fmt.Sprintf("%d records (sequence numbers %s to %s) of shard %s after %d invocations", len(batch), first.Dynamodb.SequenceNumber, lastRec.Dynamodb.SequenceNumber, shard, invokes)
	if sp.src.OnFailureURL == "" {
		sp.rn.con.printf("%-20s stream batch dropped: %s (no OnFailure destination)", sp.src.FunctionID, desc)
		return
	}
	body, err := json.Marshal(sp.failureRecord(shard, batch, last, invokes))
	if err == nil {
		_, err = sp.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(sp.src.OnFailureURL), MessageBody: aws.String(string(body))})
	}
	if err != nil {
		if ctx.Err() == nil {
			sp.rn.con.printf("%-20s stream batch dropped: %s; OnFailure destination: %v", sp.src.FunctionID, desc, err)
		}
		return
	}
	sp.rn.con.printf("%-20s stream batch sent to its OnFailure destination %s: %s", sp.src.FunctionID, queueName(sp.src.OnFailureARN), desc)
}

// streamFailure is Lambda's invocation record for a stream batch it gave up on.
type streamFailure struct {
	RequestContext struct {
		RequestID              string `json:"requestId"`
		FunctionArn            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	ResponseContext struct {
		StatusCode      int    `json:"statusCode"`
		ExecutedVersion string `json:"executedVersion"`
		FunctionError   string `json:"functionError,omitempty"`
	} `json:"responseContext"`
	Version   string         `json:"version"`
	Timestamp string         `json:"timestamp"`
	BatchInfo batchInfoBlock `json:"DDBStreamBatchInfo"`
}

type batchInfoBlock struct {
	ShardID                         string `json:"shardId"`
	StartSequenceNumber             string `json:"startSequenceNumber"`
	EndSequenceNumber               string `json:"endSequenceNumber"`
	ApproximateArrivalOfFirstRecord string `json:"approximateArrivalOfFirstRecord"`
	ApproximateArrivalOfLastRecord  string `json:"approximateArrivalOfLastRecord"`
	BatchSize                       int    `json:"batchSize"`
	StreamArn                       string `json:"streamArn"`
}

func (sp *streamPoller) failureRecord(shard string, batch []streamRecord, last Result, invokes int) streamFailure {
	var f streamFailure
	f.RequestContext.RequestID = last.RequestID
	f.RequestContext.FunctionArn = sp.rn.dep.Functions[sp.src.FunctionID].ARN
	f.RequestContext.Condition = "RetryAttemptsExhausted"
	f.RequestContext.ApproximateInvokeCount = invokes
	f.ResponseContext.StatusCode = 200 // Lambda answers 200 for function errors too
	f.ResponseContext.ExecutedVersion = "$LATEST"
	if last.Err != nil {
		f.ResponseContext.FunctionError = "Unhandled"
	}
	f.Version = "1.0"
	f.Timestamp = time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	arrival := func(r streamRecord) string {
		return time.Unix(int64(r.Dynamodb.ApproximateCreationDateTime), 0).UTC().Format(time.RFC3339)
	}
	f.BatchInfo = batchInfoBlock{
		ShardID: shard, StartSequenceNumber: batch[0].Dynamodb.SequenceNumber, EndSequenceNumber: batch[len(batch)-1].Dynamodb.SequenceNumber,
		ApproximateArrivalOfFirstRecord: arrival(batch[0]), ApproximateArrivalOfLastRecord: arrival(batch[len(batch)-1]),
		BatchSize: len(batch), StreamArn: sp.src.StreamARN,
	}
	return f
}

// streamTable is the table name in a stream ARN: arn:...:table/<name>/stream/<label>.
func streamTable(arn string) string {
	_, rest, ok := strings.Cut(arn, ":table/")
	if !ok {
		return arn
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// streamRecord is one record of a DynamoDB event as Lambda sends it (the JSON of
// aws-lambda-go's events.DynamoDBEventRecord).
type streamRecord struct {
	EventID        string        `json:"eventID"`
	EventName      string        `json:"eventName"`
	EventVersion   string        `json:"eventVersion"`
	EventSource    string        `json:"eventSource"`
	AWSRegion      string        `json:"awsRegion"`
	EventSourceArn string        `json:"eventSourceARN"`
	Dynamodb       streamChange  `json:"dynamodb"`
	UserIdentity   *userIdentity `json:"userIdentity,omitempty"`
}

type streamChange struct {
	ApproximateCreationDateTime float64        `json:"ApproximateCreationDateTime"` // epoch seconds
	Keys                        map[string]any `json:"Keys,omitempty"`
	NewImage                    map[string]any `json:"NewImage,omitempty"`
	OldImage                    map[string]any `json:"OldImage,omitempty"`
	SequenceNumber              string         `json:"SequenceNumber"`
	SizeBytes                   int64          `json:"SizeBytes"`
	StreamViewType              string         `json:"StreamViewType"`
}

// userIdentity marks deletions made by DynamoDB itself (TTL expiry).
type userIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
}

// generic is the record as the filter sees it: decoded JSON.
func (r streamRecord) generic() any {
	b, err := json.Marshal(r)
	if err != nil {
		return nil
	}
	var v any
	_ = json.Unmarshal(b, &v)
	return v
}

func toStreamRecord(rec streamtypes.Record, streamARN string) streamRecord {
	out := streamRecord{
		EventID: aws.ToString(rec.EventID), EventName: string(rec.EventName), EventVersion: aws.ToString(rec.EventVersion),
		EventSource: aws.ToString(rec.EventSource), AWSRegion: aws.ToString(rec.AwsRegion), EventSourceArn: streamARN,
	}
	if out.EventSource == "" {
		out.EventSource = "aws:dynamodb"
	}
	if out.EventVersion == "" {
		out.EventVersion = "1.1"
	}
	if id := rec.UserIdentity; id != nil {
		out.UserIdentity = &userIdentity{Type: aws.ToString(id.Type), PrincipalID: aws.ToString(id.PrincipalId)}
	}
	if d := rec.Dynamodb; d != nil {
		created := time.Now()
		if d.ApproximateCreationDateTime != nil {
			created = *d.ApproximateCreationDateTime
		}
		out.Dynamodb = streamChange{
			ApproximateCreationDateTime: float64(created.Unix()),
			Keys:                        attributeMap(d.Keys), NewImage: attributeMap(d.NewImage), OldImage: attributeMap(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber), SizeBytes: aws.ToInt64(d.SizeBytes), StreamViewType: string(d.StreamViewType),
		}
	}
	return out
}

func attributeMap(m map[string]streamtypes.AttributeValue) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = attributeJSON(v)
	}
	return out
}

// attributeJSON is an attribute value in DynamoDB's JSON form ({"S": "x"}, {"N": "1"},
// binary as base64), which events.DynamoDBAttributeValue reads.
func attributeJSON(v streamtypes.AttributeValue) any {
	switch x := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return map[string]any{"S": x.Value}
	case *streamtypes.AttributeValueMemberN:
		return map[string]any{"N": x.Value}
	case *streamtypes.AttributeValueMemberB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(x.Value)}
	case *streamtypes.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": x.Value}
	case *streamtypes.AttributeValueMemberNULL:
		return map[string]any{"NULL": x.Value}
	case *streamtypes.AttributeValueMemberSS:
		return map[string]any{"SS": x.Value}
	case *streamtypes.AttributeValueMemberNS:
		return map[string]any{"NS": x.Value}
	case *streamtypes.AttributeValueMemberBS:
		bs := make([]string, len(x.Value))
		for i, b := range x.Value {
			bs[i] = base64.StdEncoding.EncodeToString(b)
		}
		return map[string]any{"BS": bs}
	case *streamtypes.AttributeValueMemberM:
		return map[string]any{"M": attributeMap(x.Value)}
	case *streamtypes.AttributeValueMemberL:
		l := make([]any, len(x.Value))
		for i, e := range x.Value {
			l[i] = attributeJSON(e)
		}
		return map[string]any{"L": l}
	}
	return nil
}
