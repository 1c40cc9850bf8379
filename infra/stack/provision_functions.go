package stack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// HTTPAPI is an AWS::Serverless::HttpApi (or the implicit one SAM creates for routes
// without ApiId).
type HTTPAPI struct {
	LogicalID         string
	ID                string
	Stage             string
	Authorizers       map[string]JWTAuthorizer
	DefaultAuthorizer string
}

// JWTAuthorizer is an HTTP API JWT authorizer.
type JWTAuthorizer struct {
	Name           string
	IdentitySource []string // header names, from $request.header.<Name>
	Issuer         string
	Audience       []string
}

// Route is one HTTP API route bound to a function.
type Route struct {
	APIID      string // logical id of the API
	Method     string // upper case, or ANY
	Path       string // /v1/items/{id}, /{proxy+}, or "" for the $default route
	FunctionID string
	Source     string // "<FunctionID>.<EventName>"
	Authorizer string // "" when the route is open
	Scopes     []string
}

// Key is the route key API Gateway puts in events: "GET /v1/me" or "$default".
func (r Route) Key() string {
	if r.Path == "" {
		return "$default"
	}
	return r.Method + " " + r.Path
}

const implicitAPI = "ServerlessHttpApi"

func (p *provisioner) httpAPI(_ context.Context, id string, props map[string]any) (Physical, error) {
	var ap struct {
		StageName string
		Auth      struct {
			DefaultAuthorizer string
			Authorizers       map[string]struct {
				IdentitySource   string
				JwtConfiguration struct {
					Issuer   string `json:"issuer"`
					Audience []any  `json:"audience"`
				}
			}
		}
	}
	if err := remarshal(props, &ap); err != nil {
		return Physical{}, err
	}
	api := HTTPAPI{LogicalID: id, ID: p.apiID(id), Stage: ap.StageName, Authorizers: map[string]JWTAuthorizer{}, DefaultAuthorizer: ap.Auth.DefaultAuthorizer}
	if api.Stage == "" {
		api.Stage = "$default"
	}
	for name, a := range ap.Auth.Authorizers {
		jwt := JWTAuthorizer{Name: name, Issuer: a.JwtConfiguration.Issuer}
		for _, aud := range a.JwtConfiguration.Audience {
			jwt.Audience = append(jwt.Audience, scalar(aud))
		}
		for _, src := range strings.Split(a.IdentitySource, ",") {
			if h, ok := strings.CutPrefix(strings.TrimSpace(src), "$request.header."); ok {
				jwt.IdentitySource = append(jwt.IdentitySource, h)
			}
		}
		if len(jwt.IdentitySource) == 0 {
			jwt.IdentitySource = []string{"Authorization"}
		}
		api.Authorizers[name] = jwt
	}
	p.update(func(d *Deployment) { d.APIs[id] = api })
	return Physical{Ref: api.ID, Attrs: map[string]string{
		"ApiEndpoint": fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com", api.ID, p.d.Region),
	}}, nil
}

// apiID is stable across runs, shaped like API Gateway's ten-character ids.
func (p *provisioner) apiID(logicalID string) string {
	sum := sha256.Sum256([]byte(p.d.StackName + "/" + logicalID))
	return hex.EncodeToString(sum[:])[:10]
}

func (p *provisioner) function(ctx context.Context, id string) error {
	fn, err := p.d.Template.Function(p.r, id)
	if err != nil {
		return err
	}
	p.update(func(d *Deployment) {
		d.Functions[id] = fn
		d.Resources[id] = Physical{Type: "AWS::Serverless::Function", Ref: fn.Name, Attrs: map[string]string{"Arn": fn.ARN}}
	})
	p.logf("provisioned %-28s %-30s %s", id, "AWS::Serverless::Function", fn.Name)
	for _, ev := range fn.Events {
		if err := p.eventSource(ctx, fn, ev); err != nil {
			return fmt.Errorf("event %s: %w", ev.Name, err)
		}
	}
	return nil
}

func (p *provisioner) eventSource(ctx context.Context, fn Function, ev EventSource) error {
	source := fn.LogicalID + "." + ev.Name
	props := ev.Properties
	enabled := props["Enabled"] != false && scalar(props["State"]) != "DISABLED"
	switch ev.Type {
	case "HttpApi":
		return nil // wired once every API exists, in wireRoutes
	case "SQS":
		return p.sqsSource(ctx, fn, source, props, enabled)
	case "DynamoDB":
		return p.streamSource(ctx, fn, source, props, enabled)
	case "EventBridgeRule":
		rule := ruleSpec{
			Name: p.name(props, "RuleName", truncate(fn.LogicalID+ev.Name, 64)), Bus: busName(scalar(props["EventBusName"])),
			State: scalar(props["State"]), Pattern: props["Pattern"],
		}
		if _, err := p.putRule(ctx, rule); err != nil {
			return err
		}
		target := ebtypes.Target{}
		if in := scalar(props["Input"]); in != "" {
			target.Input = aws.String(in)
		}
		if in := scalar(props["InputPath"]); in != "" {
			target.InputPath = aws.String(in)
		}
		return p.relay(ctx, rule, target, fn, source)
	case "Schedule":
		rule := ruleSpec{
			Name: p.name(props, "Name", truncate(fn.LogicalID+ev.Name, 64)), Bus: "default",
			Description: scalar(props["Description"]), ScheduleExpression: scalar(props["Schedule"]),
		}
		if !enabled {
			rule.State = "DISABLED"
		}
		arn, err := p.putRule(ctx, rule)
		if err != nil {
			return err
		}
		p.addSchedule(Schedule{
			Name: rule.Name, Source: source, Kind: "events", ARN: arn, Expression: rule.ScheduleExpression,
			FunctionID: fn.LogicalID, Input: scalar(props["Input"]), Enabled: enabled,
		})
		return nil
	case "ScheduleV2":
		var s scheduleSpec
		if err := remarshal(props, &s); err != nil {
			return err
		}
		s.Name = p.name(props, "Name", truncate(fn.LogicalID+ev.Name, 64))
		s.Target.Arn = fn.ARN
		s.Target.Input = scalar(props["Input"])
		s.Target.RoleArn = scalar(props["RoleArn"])
		if err := remarshal(props["RetryPolicy"], &s.Target.RetryPolicy); err != nil {
			return err
		}
		if err := remarshal(props["DeadLetterConfig"], &s.Target.DeadLetterConfig); err != nil {
			return err
		}
		arn, err := p.createSchedule(ctx, s)
		if err != nil {
			return err
		}
		p.addSchedule(Schedule{
			Name: s.Name, Source: source, Kind: "scheduler", ARN: arn, Expression: s.ScheduleExpression,
			Timezone: s.ScheduleExpressionTimezone, FunctionID: fn.LogicalID, Input: s.Target.Input, Enabled: enabled,
		})
		return nil
	}
	p.skip(source, "event "+ev.Type, "event source type not emulated")
	return nil
}

func (p *provisioner) sqsSource(ctx context.Context, fn Function, source string, props map[string]any, enabled bool) error {
	arn := scalar(props["Queue"])
	url, err := p.queueByARN(ctx, arn)
	if err != nil {
		return err
	}
	qs := QueueSource{FunctionID: fn.LogicalID, Source: source, Kind: "sqs", QueueURL: url, QueueARN: arn, BatchSize: 10, Enabled: enabled}
	if n, ok := props["BatchSize"].(float64); ok && n > 0 {
		qs.BatchSize = int(n)
	}
	types, _ := props["FunctionResponseTypes"].([]any)
	for _, t := range types {
		if t == "ReportBatchItemFailures" {
			qs.ReportBatchItemFailures = true
		}
	}
	p.update(func(d *Deployment) { d.Queues = append(d.Queues, qs) })
	return nil
}

// wireRoutes binds every HttpApi event to its API, applying the API's default authorizer
// unless the route names one (or NONE).
func (p *provisioner) wireRoutes() error {
	ids := make([]string, 0, len(p.d.Functions))
	for id := range p.d.Functions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, ev := range p.d.Functions[id].Events {
			if ev.Type != "HttpApi" {
				continue
			}
			route, err := p.route(id, ev)
			if err != nil {
				return fmt.Errorf("stack: %s.%s: %w", id, ev.Name, err)
			}
			p.d.Routes = append(p.d.Routes, route)
		}
	}
	return nil
}

func (p *provisioner) route(fnID string, ev EventSource) (Route, error) {
	var rp struct {
		ApiId  string
		Method string
		Path   string
		Auth   struct {
			Authorizer          string
			AuthorizationScopes []string
		}
	}
	if err := remarshal(ev.Properties, &rp); err != nil {
		return Route{}, err
	}
	api, err := p.apiFor(rp.ApiId)
	if err != nil {
		return Route{}, err
	}
	r := Route{APIID: api.LogicalID, Method: strings.ToUpper(rp.Method), Path: rp.Path, FunctionID: fnID, Source: fnID + "." + ev.Name, Scopes: rp.Auth.AuthorizationScopes}
	if r.Method == "" {
		r.Method = "ANY"
	}
	r.Authorizer = rp.Auth.Authorizer
	if r.Authorizer == "" {
		r.Authorizer = api.DefaultAuthorizer
	}
	if r.Authorizer == "NONE" {
		r.Authorizer = ""
	}
	if _, ok := api.Authorizers[r.Authorizer]; r.Authorizer != "" && !ok {
		return Route{}, fmt.Errorf("unknown authorizer %q on API %s", r.Authorizer, api.LogicalID)
	}
	return r, nil
}

func (p *provisioner) apiFor(physicalID string) (HTTPAPI, error) {
	if physicalID == "" {
		api, ok := p.d.APIs[implicitAPI]
		if !ok {
			api = HTTPAPI{LogicalID: implicitAPI, ID: p.apiID(implicitAPI), Stage: "$default", Authorizers: map[string]JWTAuthorizer{}}
			p.d.APIs[implicitAPI] = api
		}
		return api, nil
	}
	for _, api := range p.d.APIs {
		if api.ID == physicalID {
			return api, nil
		}
	}
	return HTTPAPI{}, fmt.Errorf("no HTTP API with id %s", physicalID)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
