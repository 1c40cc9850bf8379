package stack

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	idptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// userPool creates the pool from its CloudFormation properties, whose names match the
// CreateUserPool API except for the pool's name and the list of enabled MFA methods.
func (p *provisioner) userPool(ctx context.Context, id string, props map[string]any) (Physical, error) {
	name := p.name(props, "UserPoolName", id)
	poolID, err := p.findUserPool(ctx, name)
	if err != nil {
		return Physical{}, err
	}
	if poolID == "" {
		var in idp.CreateUserPoolInput
		if err := remarshal(props, &in); err != nil {
			return Physical{}, err
		}
		in.PoolName = aws.String(name)
		out, err := p.idp.CreateUserPool(ctx, &in)
		if err != nil {
			return Physical{}, err
		}
		poolID = aws.ToString(out.UserPool.Id)
	}
	if err := p.userPoolMFA(ctx, poolID, props); err != nil {
		return Physical{}, err
	}
	provider := fmt.Sprintf("cognito-idp.%s.amazonaws.com/%s", p.d.Region, poolID)
	return Physical{Ref: poolID, Attrs: map[string]string{
		"Arn":          p.arn("cognito-idp", "userpool/"+poolID),
		"ProviderName": provider,
		"ProviderURL":  "https://" + provider,
		"UserPoolId":   poolID,
	}}, nil
}

func (p *provisioner) userPoolMFA(ctx context.Context, poolID string, props map[string]any) error {
	mfa := scalar(props["MfaConfiguration"])
	if mfa == "" || mfa == "OFF" {
		return nil
	}
	in := &idp.SetUserPoolMfaConfigInput{UserPoolId: aws.String(poolID), MfaConfiguration: idptypes.UserPoolMfaType(mfa)}
	enabled, _ := props["EnabledMfas"].([]any)
	for _, m := range enabled {
		if m == "SOFTWARE_TOKEN_MFA" {
			in.SoftwareTokenMfaConfiguration = &idptypes.SoftwareTokenMfaConfigType{Enabled: true}
		}
	}
	if _, err := p.idp.SetUserPoolMfaConfig(ctx, in); err != nil {
		return fmt.Errorf("MFA configuration: %w", err)
	}
	return nil
}

func (p *provisioner) findUserPool(ctx context.Context, name string) (string, error) {
	pages := idp.NewListUserPoolsPaginator(p.idp, &idp.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list user pools: %w", err)
		}
		for _, up := range page.UserPools {
			if aws.ToString(up.Name) == name {
				return aws.ToString(up.Id), nil
			}
		}
	}
	return "", nil
}

func (p *provisioner) userPoolClient(ctx context.Context, id string, props map[string]any) (Physical, error) {
	var in idp.CreateUserPoolClientInput
	if err := remarshal(props, &in); err != nil {
		return Physical{}, err
	}
	name := p.name(props, "ClientName", id)
	in.ClientName = aws.String(name)
	clientID, err := p.findClient(ctx, aws.ToString(in.UserPoolId), name)
	if err != nil {
		return Physical{}, err
	}
	if clientID == "" {
		out, err := p.idp.CreateUserPoolClient(ctx, &in)
		if err != nil {
			return Physical{}, err
		}
		clientID = aws.ToString(out.UserPoolClient.ClientId)
	}
	return Physical{Ref: clientID, Attrs: map[string]string{"ClientId": clientID, "Name": name}}, nil
}

func (p *provisioner) findClient(ctx context.Context, poolID, name string) (string, error) {
	pages := idp.NewListUserPoolClientsPaginator(p.idp, &idp.ListUserPoolClientsInput{UserPoolId: aws.String(poolID), MaxResults: aws.Int32(60)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list user pool clients: %w", err)
		}
		for _, c := range page.UserPoolClients {
			if aws.ToString(c.ClientName) == name {
				return aws.ToString(c.ClientId), nil
			}
		}
	}
	return "", nil
}

func (p *provisioner) userPoolGroup(ctx context.Context, id string, props map[string]any) (Physical, error) {
	var in idp.CreateGroupInput
	if err := remarshal(props, &in); err != nil {
		return Physical{}, err
	}
	name := p.name(props, "GroupName", id)
	in.GroupName = aws.String(name)
	_, err := p.idp.CreateGroup(ctx, &in)
	var exists *idptypes.GroupExistsException
	if err != nil && !asErr(err, &exists) {
		return Physical{}, err
	}
	return Physical{Ref: name, Attrs: map[string]string{}}, nil
}
