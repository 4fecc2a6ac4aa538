package infra

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type echoMocks struct{}

func (echoMocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	return args.Name + "-id", args.Inputs, nil
}

func (echoMocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// TestServiceRoleNamesAtIAMsLimit: any role, whatever declares it, is held
// to IAM's 64 characters, probed at 64 and 65.
func TestServiceRoleNamesAtIAMsLimit(t *testing.T) {
	tests := []struct {
		length  int
		wantErr string
	}{
		{maxRoleNameLength, ""},
		{maxRoleNameLength + 1, "has 65 characters; IAM allows 64"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d characters", tt.length), func(t *testing.T) {
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				_, _, err := newServiceRole(ctx, "role", serviceRoleArgs{
					Name: strings.Repeat("r", tt.length), Service: "lambda.amazonaws.com",
					Policy: pulumi.String("{}").ToStringOutput(),
				})
				return err
			}, pulumi.WithMocks("project", "stack", echoMocks{}))
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}
