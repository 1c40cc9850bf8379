package emulator

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// IsolatedDynamoDB is a real DynamoDB client for tests that write concurrently. moto's
// TransactWriteItems is not isolated: it deep-copies the table before a transaction and,
// when the transaction is cancelled, restores that copy, erasing whatever a concurrent
// request wrote in between (moto 5.2.1, models.transact_write_items). Real DynamoDB
// transactions are serializable. Holding one lock per write call restores that guarantee;
// reads stay concurrent, so optimistic locking, conditions and retries are still exercised
// against the emulator for real.
type IsolatedDynamoDB struct {
	*dynamodb.Client
	mu sync.Mutex
}

// NewIsolatedDynamoDB wraps a client built from cfg.
func NewIsolatedDynamoDB(cfg aws.Config) *IsolatedDynamoDB {
	return &IsolatedDynamoDB{Client: dynamodb.NewFromConfig(cfg)}
}

// TransactWriteItems holds the write lock.
func (c *IsolatedDynamoDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Client.TransactWriteItems(ctx, in, opts...)
}

// PutItem holds the write lock.
func (c *IsolatedDynamoDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Client.PutItem(ctx, in, opts...)
}

// UpdateItem holds the write lock.
func (c *IsolatedDynamoDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Client.UpdateItem(ctx, in, opts...)
}

// DeleteItem holds the write lock.
func (c *IsolatedDynamoDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Client.DeleteItem(ctx, in, opts...)
}

// BatchWriteItem holds the write lock.
func (c *IsolatedDynamoDB) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Client.BatchWriteItem(ctx, in, opts...)
}
