package stack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Tags that let a second run against the same emulator find a key again: KMS keys have
// no name, and CloudFormation's own aws:cloudformation:* tags are reserved.
const (
	tagLogicalID = "local:logical-id"
	tagStack     = "local:stack"
)

func (p *provisioner) kmsKey(ctx context.Context, id string, props map[string]any) (Physical, error) {
	var kp struct {
		Description       string
		KeySpec           string
		KeyUsage          string
		EnableKeyRotation bool
		KeyPolicy         any
	}
	if err := remarshal(props, &kp); err != nil {
		return Physical{}, err
	}
	meta, err := p.findKey(ctx, id)
	if err != nil {
		return Physical{}, err
	}
	if meta == nil {
		in := &kms.CreateKeyInput{
			Description: aws.String(kp.Description),
			KeySpec:     kmstypes.KeySpec(kp.KeySpec),
			KeyUsage:    kmstypes.KeyUsageType(kp.KeyUsage),
			Tags: []kmstypes.Tag{
				{TagKey: aws.String(tagLogicalID), TagValue: aws.String(id)},
				{TagKey: aws.String(tagStack), TagValue: aws.String(p.d.StackName)},
			},
		}
		if kp.KeyPolicy != nil {
			policy, err := json.Marshal(kp.KeyPolicy)
			if err != nil {
				return Physical{}, err
			}
			in.Policy = aws.String(string(policy))
		}
		out, err := p.kms.CreateKey(ctx, in)
		if err != nil {
			return Physical{}, err
		}
		meta = out.KeyMetadata
	}
	if kp.EnableKeyRotation {
		if _, err := p.kms.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: meta.KeyId}); err != nil {
			return Physical{}, fmt.Errorf("enable rotation: %w", err)
		}
	}
	return Physical{Ref: aws.ToString(meta.KeyId), Attrs: map[string]string{"Arn": aws.ToString(meta.Arn), "KeyId": aws.ToString(meta.KeyId)}}, nil
}

func (p *provisioner) findKey(ctx context.Context, id string) (*kmstypes.KeyMetadata, error) {
	pages := kms.NewListKeysPaginator(p.kms, &kms.ListKeysInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		for _, k := range page.Keys {
			tags, err := p.kms.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: k.KeyId})
			if err != nil {
				continue
			}
			found := map[string]string{}
			for _, t := range tags.Tags {
				found[aws.ToString(t.TagKey)] = aws.ToString(t.TagValue)
			}
			if found[tagLogicalID] != id || found[tagStack] != p.d.StackName {
				continue
			}
			desc, err := p.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: k.KeyId})
			if err != nil {
				return nil, err
			}
			if desc.KeyMetadata.KeyState == kmstypes.KeyStateEnabled {
				return desc.KeyMetadata, nil
			}
		}
	}
	return nil, nil
}

func (p *provisioner) kmsAlias(ctx context.Context, _ string, props map[string]any) (Physical, error) {
	name, target := scalar(props["AliasName"]), scalar(props["TargetKeyId"])
	_, err := p.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(name), TargetKeyId: aws.String(target)})
	var exists *kmstypes.AlreadyExistsException
	if asErr(err, &exists) {
		_, err = p.kms.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String(name), TargetKeyId: aws.String(target)})
	}
	if err != nil {
		return Physical{}, err
	}
	return Physical{Ref: name, Attrs: map[string]string{"Arn": p.arn("kms", name)}}, nil
}

func (p *provisioner) table(ctx context.Context, id string, props map[string]any) (Physical, error) {
	spec, err := p.d.Template.Table(id)
	if err != nil {
		return Physical{}, err
	}
	var tp struct {
		SSESpecification struct {
			SSEEnabled     bool
			SSEType        string
			KMSMasterKeyId string
		}
		PointInTimeRecoverySpecification struct{ PointInTimeRecoveryEnabled bool }
		DeletionProtectionEnabled        bool
		StreamSpecification              struct{ StreamViewType string }
	}
	if err := remarshal(props, &tp); err != nil {
		return Physical{}, err
	}
	in := *spec.Input
	if tp.SSESpecification.SSEEnabled {
		in.SSESpecification = &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSEType(tp.SSESpecification.SSEType)}
		if tp.SSESpecification.KMSMasterKeyId != "" {
			in.SSESpecification.KMSMasterKeyId = aws.String(tp.SSESpecification.KMSMasterKeyId)
		}
	}
	in.DeletionProtectionEnabled = aws.Bool(tp.DeletionProtectionEnabled)
	var stream *ddbtypes.StreamSpecification
	if v := tp.StreamSpecification.StreamViewType; v != "" {
		stream = &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewType(v)}
		in.StreamSpecification = stream
	}
	spec.Input = &in
	name := p.name(props, "TableName", id)
	if err := CreateTable(ctx, p.ddb, spec, name); err != nil {
		return Physical{}, err
	}
	if tp.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled {
		_, err := p.ddb.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
			TableName:                        aws.String(name),
			PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)},
		})
		if err != nil {
			return Physical{}, fmt.Errorf("point-in-time recovery: %w", err)
		}
	}
	desc, err := p.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		return Physical{}, err
	}
	if stream != nil && desc.Table.LatestStreamArn == nil {
		// A table from an earlier run against the same emulator, created without a stream.
		if desc, err = p.enableStream(ctx, name, stream); err != nil {
			return Physical{}, err
		}
	}
	attrs := map[string]string{"Arn": aws.ToString(desc.Table.TableArn)}
	// Without a stream there is no StreamArn: !GetAtt Table.StreamArn then fails with a
	// message that says so, rather than resolving to an empty string.
	if arn := aws.ToString(desc.Table.LatestStreamArn); arn != "" {
		attrs["StreamArn"] = arn
	}
	return Physical{Ref: name, Attrs: attrs}, nil
}

func (p *provisioner) enableStream(ctx context.Context, name string, stream *ddbtypes.StreamSpecification) (*dynamodb.DescribeTableOutput, error) {
	if _, err := p.ddb.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name), StreamSpecification: stream}); err != nil {
		return nil, fmt.Errorf("enable the stream: %w", err)
	}
	return p.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
}

// logGroup only names the group: function logs go to the runner's terminal, and the
// module has no CloudWatch Logs client to create it with.
func (p *provisioner) logGroup(_ context.Context, id string, props map[string]any) (Physical, error) {
	name := p.name(props, "LogGroupName", id)
	p.logf("note        %-28s log group %s is not created: local logs go to the terminal", id, name)
	return Physical{Ref: name, Attrs: map[string]string{"Arn": p.arn("logs", "log-group:"+name+":*")}}, nil
}

// alarm creates the alarm through CloudWatch's Query protocol: the SDK in go.mod speaks
// the newer Smithy RPC v2 CBOR protocol to CloudWatch, which moto 5 does not route (it
// answers 404), while every CloudWatch endpoint, AWS's and the emulator's, still accepts
// the Query form.
func (p *provisioner) alarm(ctx context.Context, id string, props map[string]any) (Physical, error) {
	name := p.name(props, "AlarmName", id)
	form := url.Values{"Action": {"PutMetricAlarm"}, "Version": {"2010-08-01"}, "AlarmName": {name}}
	for _, k := range []string{"AlarmDescription", "Namespace", "MetricName", "Statistic", "ExtendedStatistic", "Period", "EvaluationPeriods",
		"DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData", "Unit", "ActionsEnabled"} {
		if v := scalar(props[k]); v != "" {
			form.Set(k, v)
		}
	}
	dims, _ := props["Dimensions"].([]any)
	for i, d := range dims {
		m, _ := d.(map[string]any)
		form.Set(fmt.Sprintf("Dimensions.member.%d.Name", i+1), scalar(m["Name"]))
		form.Set(fmt.Sprintf("Dimensions.member.%d.Value", i+1), scalar(m["Value"]))
	}
	for _, list := range []string{"AlarmActions", "OKActions", "InsufficientDataActions"} {
		items, _ := props[list].([]any)
		for i, a := range items {
			form.Set(fmt.Sprintf("%s.member.%d", list, i+1), scalar(a))
		}
	}
	if err := p.query(ctx, "monitoring", form); err != nil {
		return Physical{}, fmt.Errorf("put metric alarm: %w", err)
	}
	return Physical{Ref: name, Attrs: map[string]string{"Arn": p.arn("cloudwatch", "alarm:"+name)}}, nil
}

// query sends one signed AWS Query-protocol request to the configured endpoint.
func (p *provisioner) query(ctx context.Context, service string, form url.Values) error {
	endpoint := aws.ToString(p.cfg.BaseEndpoint)
	if endpoint == "" {
		endpoint = fmt.Sprintf("https://%s.%s.amazonaws.com/", service, p.d.Region)
	}
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	creds, err := p.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, p.d.Region, time.Now()); err != nil {
		return err
	}
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return fmt.Errorf("%s %s: %s", form.Get("Action"), resp.Status, msg)
	}
	return nil
}
