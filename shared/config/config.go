// Package config reads a function's settings from the environment that template.yaml
// sets, and builds the AWS SDK configuration once per process. Endpoints come from the
// SDK's standard settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), so the same
// binary talks to AWS, LocalStack or moto without a code change.
package config

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// Common names of the environment variables that template.yaml's Globals set.
const (
	EnvStage       = "STAGE"
	EnvTable       = "TABLE_NAME"
	EnvKeyID       = "KMS_KEY_ID"
	EnvEventBus    = "EVENT_BUS_NAME"
	EnvLogLevel    = "LOG_LEVEL"
	EnvServiceName = "SERVICE_NAME"
	// EnvCursorSecretARN names the Secrets Manager secret that signs pagination cursors.
	// Every function sees it (Globals); only the functions that page lists may read it.
	EnvCursorSecretARN = "CURSOR_SECRET_ARN"
)

// Base is what every function needs.
type Base struct {
	Stage     string
	TableName string
	KeyID     string
	EventBus  string
	LogLevel  string
	Service   string
	// CursorSecretARN is optional here: platform.Load requires it only of functions that
	// page lists (platform.WithCursors).
	CursorSecretARN string
}

// LoadBase reads the common settings; a missing required one is an error that names it,
// so a miswired function fails at cold start, not on its first request.
func LoadBase() (Base, error) {
	var e Env
	b := Base{
		Stage:     e.Get(EnvStage, "local"),
		TableName: e.Required(EnvTable),
		KeyID:     e.Get(EnvKeyID, ""),
		EventBus:  e.Get(EnvEventBus, ""),
		LogLevel:  e.Get(EnvLogLevel, "INFO"),
		Service:   e.Get(EnvServiceName, "chainguard"),

		CursorSecretARN: e.Get(EnvCursorSecretARN, ""),
	}
	return b, e.Err()
}

// Env reads variables and collects the names of missing required ones.
type Env struct{ missing []string }

// Get returns the variable or def when it is unset or empty.
func (e *Env) Get(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

// Required returns the variable and records it as missing when it is unset.
func (e *Env) Required(name string) string {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		e.missing = append(e.missing, name)
	}
	return v
}

// Int returns the variable as an integer, or def when unset; a malformed value is missing.
func (e *Env) Int(name string, def int) int {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.missing = append(e.missing, name+" (not an integer)")
		return def
	}
	return n
}

// Duration returns the variable parsed by time.ParseDuration, or def when unset.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.missing = append(e.missing, name+" (not a duration)")
		return def
	}
	return d
}

// Bool returns the variable as a boolean, or def when unset.
func (e *Env) Bool(name string, def bool) bool {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.missing = append(e.missing, name+" (not a boolean)")
		return def
	}
	return b
}

// Err reports every missing or malformed variable at once.
func (e *Env) Err() error {
	if len(e.missing) == 0 {
		return nil
	}
	return fmt.Errorf("config: missing or invalid environment variables: %s", strings.Join(e.missing, ", "))
}

// AWS loads the SDK configuration from the standard chain (region, credentials and
// AWS_ENDPOINT_URL). Call it once per process, in main.
func AWS(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("config: load AWS configuration: %w", err)
	}
	return cfg, nil
}
