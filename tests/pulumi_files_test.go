package tests

import (
	"fmt"
	"io"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPulumiFilesLoadAsTheCLILoadsThem reads Pulumi.yaml and Pulumi.dev.yaml
// with the Pulumi SDK's own loaders (schema-checked, as `pulumi up` does) and
// checks each dev-stack value against the type Pulumi.yaml declares for it.
func TestPulumiFilesLoadAsTheCLILoadsThem(t *testing.T) {
	project, err := workspace.LoadProject("../Pulumi.yaml")
	require.NoError(t, err)
	assert.Equal(t, "stepfunctions-go", project.Name.String())
	assert.Equal(t, "go", project.Runtime.Name())

	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	stack, err := workspace.LoadProjectStack(sink, project, "../Pulumi.dev.yaml")
	require.NoError(t, err)
	region, ok := stack.Config[config.MustMakeKey("aws", "region")]
	require.True(t, ok, "Pulumi.dev.yaml must set aws:region")
	regionValue, err := region.Value(nil)
	require.NoError(t, err)
	assert.Equal(t, "us-east-1", regionValue)

	// Task tokens travel in the callback workflow's state input and output,
	// and whoever holds one can complete or fail its task: a stack file
	// that runs the callback workflow must not log execution data.
	setting := func(key string) string {
		value, ok := stack.Config[config.MustMakeKey(project.Name.String(), key)]
		if !ok {
			return fmt.Sprint(project.Config[key].Default)
		}
		text, err := value.Value(nil)
		require.NoError(t, err)
		return text
	}
	if setting("callbackWorkflow") == "true" {
		assert.NotEqual(t, "true", setting("includeExecutionData"),
			"Pulumi.dev.yaml runs the callback workflow with includeExecutionData true, which logs task tokens; set it false")
	}

	for key, value := range stack.Config {
		if key.Namespace() != project.Name.String() {
			continue
		}
		declared, ok := project.Config[key.Name()]
		require.True(t, ok, "Pulumi.dev.yaml sets %s, which Pulumi.yaml does not declare", key)
		text, err := value.Value(nil)
		require.NoError(t, err)
		assert.True(t, workspace.ValidateConfigValue(declared.TypeName(), declared.Items, text),
			"%s = %q is not a %s, as Pulumi.yaml declares", key, text, declared.TypeName())
	}
}
