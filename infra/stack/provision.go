package stack

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Physical is what a provisioned resource answers to !Ref and !GetAtt.
type Physical struct {
	Type    string
	Ref     string
	Attrs   map[string]string
	Skipped bool // not emulated: Ref is a stand-in name, attributes are stand-in ARNs
}

// Deployment is the template provisioned into one account (the emulator): physical ids
// for intrinsics, plus the wiring a runner must perform because the emulator does not
// invoke functions (HTTP routes, queue pollers, EventBridge relays, schedules).
type Deployment struct {
	Template  *Template
	Params    map[string]string
	Region    string
	Account   string
	StackName string

	Resources map[string]Physical
	Functions map[string]Function // by logical id
	APIs      map[string]HTTPAPI  // by logical id
	Routes    []Route
	Queues    []QueueSource  // SQS event sources and EventBridge relay queues
	Streams   []StreamSource // DynamoDB stream event sources
	Schedules []Schedule
	// ScheduleGroups are the groups the template declares: schedules the functions create
	// in them at run time (tenants' monitoring) are the runner's to find and fire.
	ScheduleGroups []string
	Skipped        []string // "LogicalID (Type): why"
}

// Options tune Provision.
type Options struct {
	Params    map[string]string // parameter overrides, e.g. Stage=local
	Region    string            // default us-east-1
	Account   string            // default 123456789012 (moto's)
	StackName string            // default chainguard-<Stage>
	// Logf receives one line per resource; nil discards.
	Logf func(format string, args ...any)
}

// Provision creates every resource of the template in the account cfg points at, in
// dependency order, and returns the deployment. It is idempotent: running it again
// against the same emulator finds and reuses what exists. Unknown resource types are
// recorded as skipped, not errors.
func Provision(ctx context.Context, cfg aws.Config, tpl *Template, opt Options) (*Deployment, error) {
	if opt.Region == "" {
		opt.Region = cfg.Region
	}
	if opt.Region == "" {
		opt.Region = "us-east-1"
	}
	if opt.Account == "" {
		opt.Account = "123456789012"
	}
	if opt.StackName == "" {
		stage, _ := tpl.ParamValue("Stage", opt.Params)
		opt.StackName = "chainguard-" + stage
	}
	if opt.Logf == nil {
		opt.Logf = func(string, ...any) {}
	}
	d := &Deployment{
		Template: tpl, Params: opt.Params, Region: opt.Region, Account: opt.Account, StackName: opt.StackName,
		Resources: map[string]Physical{}, Functions: map[string]Function{}, APIs: map[string]HTTPAPI{},
	}
	p := &provisioner{
		d: d, logf: opt.Logf,
		ddb: dynamodb.NewFromConfig(cfg), kms: kms.NewFromConfig(cfg), sqs: sqs.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg),
		events: eventbridge.NewFromConfig(cfg), sched: scheduler.NewFromConfig(cfg),
		idp: cognitoidentityprovider.NewFromConfig(cfg), cfg: cfg,
	}
	p.r = p.lockedResolver()
	levels, err := tpl.CreationLevels()
	if err != nil {
		return nil, err
	}
	// Resources of one level do not reference each other: create them concurrently, which
	// also overlaps the emulator's slow first call to each service.
	for _, level := range levels {
		if err := p.provisionLevel(ctx, level); err != nil {
			return nil, err
		}
	}
	if err := p.wireRoutes(); err != nil {
		return nil, err
	}
	sort.Slice(d.Queues, func(i, j int) bool { return d.Queues[i].Source < d.Queues[j].Source })
	sort.Slice(d.Streams, func(i, j int) bool { return d.Streams[i].Source < d.Streams[j].Source })
	sort.Slice(d.Schedules, func(i, j int) bool { return d.Schedules[i].Name < d.Schedules[j].Name })
	sort.Strings(d.Skipped)
	return d, nil
}

const provisionParallelism = 8

func (p *provisioner) provisionLevel(ctx context.Context, ids []string) error {
	errs := make([]error, len(ids))
	sem := make(chan struct{}, provisionParallelism)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := p.provision(ctx, id); err != nil {
				errs[i] = fmt.Errorf("stack: provision %s (%s): %w", id, p.d.Template.Resources[id].Type, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// lockedResolver is the deployment's resolver made safe for concurrent provisioning.
func (p *provisioner) lockedResolver() *Resolver {
	r := p.d.Resolver()
	ref, attr := r.Ref, r.Attr
	r.Ref = func(id string) (string, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return ref(id)
	}
	r.Attr = func(id, a string) (string, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return attr(id, a)
	}
	return r
}

// update changes the deployment under the provisioner's lock.
func (p *provisioner) update(change func(d *Deployment)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	change(p.d)
}

func (p *provisioner) functionByARN(arn string) (Function, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.d.FunctionByARN(arn)
}

// Resolver resolves intrinsics against the deployment's physical resources.
func (d *Deployment) Resolver() *Resolver {
	return &Resolver{
		Template: d.Template, Params: d.Params, Region: d.Region, Account: d.Account, StackName: d.StackName,
		Ref: func(id string) (string, error) {
			ph, ok := d.Resources[id]
			if !ok {
				return "", fmt.Errorf("stack: %s is not provisioned (skipped, conditional, or created later)", id)
			}
			return ph.Ref, nil
		},
		Attr: func(id, attr string) (string, error) {
			ph, ok := d.Resources[id]
			if !ok {
				return "", fmt.Errorf("stack: %s is not provisioned", id)
			}
			v, ok := ph.Attrs[attr]
			if !ok && ph.Skipped {
				return fmt.Sprintf("arn:aws:skipped:%s:%s:%s/%s", d.Region, d.Account, ph.Ref, attr), nil
			}
			if !ok {
				return "", fmt.Errorf("stack: %s has no attribute %s locally", id, attr)
			}
			return v, nil
		},
	}
}

// FunctionByARN finds a provisioned function by its ARN (a rule or schedule target).
func (d *Deployment) FunctionByARN(arn string) (Function, bool) {
	for _, fn := range d.Functions {
		if fn.ARN == arn || strings.HasPrefix(arn, fn.ARN+":") {
			return fn, true
		}
	}
	return Function{}, false
}

type provisioner struct {
	mu     sync.Mutex // guards d while a level is provisioned concurrently
	d      *Deployment
	r      *Resolver
	logf   func(string, ...any)
	ddb    *dynamodb.Client
	kms    *kms.Client
	s3     *s3.Client
	sqs    *sqs.Client
	events *eventbridge.Client
	sched  *scheduler.Client
	idp    *cognitoidentityprovider.Client
	cfg    aws.Config // for the calls no typed client can make (see alarm)
}

func (p *provisioner) provision(ctx context.Context, id string) error {
	res := p.d.Template.Resources[id]
	if res.Condition != "" {
		ok, err := p.r.Condition(res.Condition)
		if err != nil {
			return err
		}
		if !ok {
			p.skip(id, res.Type, "condition "+res.Condition+" is false")
			return nil
		}
	}
	if res.Type == "AWS::Serverless::Function" {
		return p.function(ctx, id)
	}
	props, err := p.r.Resolve(res.Properties)
	if err != nil {
		return err
	}
	m, _ := props.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	create, ok := p.creators()[res.Type]
	if !ok {
		p.skip(id, res.Type, "type not emulated")
		// A stand-in, so that what references it still resolves (to names that say so).
		p.update(func(d *Deployment) {
			d.Resources[id] = Physical{Type: res.Type, Ref: d.StackName + "-" + id, Skipped: true}
		})
		return nil
	}
	ph, err := create(ctx, id, m)
	if err != nil {
		return err
	}
	ph.Type = res.Type
	p.update(func(d *Deployment) { d.Resources[id] = ph })
	p.logf("provisioned %-28s %-30s %s", id, res.Type, ph.Ref)
	return nil
}

type creator func(ctx context.Context, id string, props map[string]any) (Physical, error)

func (p *provisioner) creators() map[string]creator {
	return map[string]creator{
		"AWS::KMS::Key":                 p.kmsKey,
		"AWS::KMS::Alias":               p.kmsAlias,
		"AWS::DynamoDB::Table":          p.table,
		"AWS::Events::EventBus":         p.eventBus,
		"AWS::Events::Rule":             p.eventRule,
		"AWS::SQS::Queue":               p.queue,
		"AWS::SQS::QueuePolicy":         p.queuePolicy,
		"AWS::Scheduler::Schedule":      p.schedule,
		"AWS::Scheduler::ScheduleGroup": p.scheduleGroup,
		"AWS::IAM::Role":                p.role,
		"AWS::Cognito::UserPool":        p.userPool,
		"AWS::Cognito::UserPoolClient":  p.userPoolClient,
		"AWS::Cognito::UserPoolGroup":   p.userPoolGroup,
		"AWS::Logs::LogGroup":           p.logGroup,
		"AWS::CloudWatch::Alarm":        p.alarm,
		"AWS::Serverless::HttpApi":      p.httpAPI,
		"AWS::S3::Bucket":               p.bucket,
		"AWS::S3::BucketPolicy":         p.bucketPolicy,
		"AWS::SecretsManager::Secret":   p.secret,
	}
}

func (p *provisioner) skip(id, typ, why string) {
	p.update(func(d *Deployment) { d.Skipped = append(d.Skipped, fmt.Sprintf("%s (%s): %s", id, typ, why)) })
	p.logf("skipped     %-28s %-30s %s", id, typ, why)
}

func (p *provisioner) name(props map[string]any, key, id string) string {
	if v := scalar(props[key]); v != "" {
		return v
	}
	return p.d.StackName + "-" + id
}

func (p *provisioner) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, p.d.Region, p.d.Account, resource)
}

// CreationOrder sorts the resources so that each comes after everything it references
// (Ref, Fn::GetAtt, Fn::Sub, DependsOn; functions also depend on what Globals reference).
func (t *Template) CreationOrder() ([]string, error) {
	levels, err := t.CreationLevels()
	if err != nil {
		return nil, err
	}
	var order []string
	for _, l := range levels {
		order = append(order, l...)
	}
	return order, nil
}

// CreationLevels groups the creation order into levels: every resource of a level only
// references resources of earlier levels.
func (t *Template) CreationLevels() ([][]string, error) {
	deps := map[string]map[string]bool{}
	globals := t.Globals["Function"]
	for id, res := range t.Resources {
		set := map[string]bool{}
		collectRefs(res.Properties, set)
		if res.Type == "AWS::Serverless::Function" {
			collectRefs(globals, set)
		}
		switch d := res.DependsOn.(type) {
		case string:
			set[d] = true
		case []any:
			for _, x := range d {
				set[fmt.Sprint(x)] = true
			}
		}
		for dep := range set {
			if _, ok := t.Resources[dep]; !ok || dep == id {
				delete(set, dep)
			}
		}
		deps[id] = set
	}
	var levels [][]string
	done := map[string]bool{}
	for len(done) < len(t.Resources) {
		var ready []string
		for id, set := range deps {
			if done[id] {
				continue
			}
			blocked := false
			for dep := range set {
				if !done[dep] {
					blocked = true
					break
				}
			}
			if !blocked {
				ready = append(ready, id)
			}
		}
		if len(ready) == 0 {
			return nil, fmt.Errorf("stack: circular references among resources")
		}
		sort.Strings(ready)
		for _, id := range ready {
			done[id] = true
		}
		levels = append(levels, ready)
	}
	return levels, nil
}

func collectRefs(v any, into map[string]bool) {
	if into == nil {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, arg := range x {
			switch k {
			case "Ref":
				if s, ok := arg.(string); ok {
					into[s] = true
				}
				continue
			case "Fn::GetAtt":
				if l, ok := arg.([]any); ok && len(l) > 0 {
					into[fmt.Sprint(l[0])] = true
				}
				continue
			case "Fn::Sub":
				tmpl := arg
				if l, ok := arg.([]any); ok && len(l) == 2 {
					tmpl = l[0]
					collectRefs(l[1], into)
				}
				if s, ok := tmpl.(string); ok {
					for _, m := range subVar.FindAllStringSubmatch(s, -1) {
						name, _, _ := strings.Cut(m[1], ".")
						into[name] = true
					}
				}
				continue
			}
			collectRefs(arg, into)
		}
	case []any:
		for _, item := range x {
			collectRefs(item, into)
		}
	}
}
