package tests

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/projectname"
)

// TestPulumiFilesLoadAsTheCLILoadsThem reads Pulumi.yaml and Pulumi.dev.yaml
// with the Pulumi SDK's own loaders (schema-checked, as `pulumi up` does) and
// checks each dev-stack value against the type Pulumi.yaml declares for it.
func TestPulumiFilesLoadAsTheCLILoadsThem(t *testing.T) {
	project, err := workspace.LoadProject("../Pulumi.yaml")
	require.NoError(t, err)
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

// TestTemplatePromptsForDeclaredSettings: every setting `pulumi new` asks
// for is a provider's (aws:region) or one Pulumi.yaml declares, and its
// default is the declared default, of the declared type, so that accepting
// every prompt (--yes) makes the same stack as setting nothing.
func TestTemplatePromptsForDeclaredSettings(t *testing.T) {
	project, err := workspace.LoadProject("../Pulumi.yaml")
	require.NoError(t, err)
	if tags, ok := project.Config["pulumi:tags"].Value.(map[string]any); ok && tags["pulumi:template"] != nil {
		t.Skip("this project was made by `pulumi new` (Pulumi.yaml's pulumi:tags name its template), which drops the template: section")
	}
	require.NotNil(t, project.Template, "Pulumi.yaml has no template: section for `pulumi new`")
	assert.NotEmpty(t, project.Template.Description)
	for _, key := range []string{"aws:region", "architecture", "callbackWorkflow"} {
		assert.Contains(t, project.Template.Config, key, "the template must ask for %s", key)
	}
	for key, prompt := range project.Template.Config {
		assert.NotEmpty(t, prompt.Description, "prompt %s", key)
		if strings.Contains(key, ":") {
			assert.Equal(t, "aws", strings.SplitN(key, ":", 2)[0], "prompt %s: only the AWS provider's settings are not the project's", key)
			continue
		}
		declared, ok := project.Config[key]
		require.True(t, ok, "the template asks for %s, which Pulumi.yaml does not declare", key)
		assert.Equal(t, fmt.Sprint(declared.Default), prompt.Default, "prompt %s: its default must be the declared one", key)
		assert.True(t, workspace.ValidateConfigValue(declared.TypeName(), declared.Items, fmt.Sprint(prompt.Default)),
			"prompt %s: default %v is not a %s", key, prompt.Default, declared.TypeName())
	}
}

// TestNoYAMLFileHoldsTheProjectPlaceholder: `pulumi new` writes the project
// name into a .yaml file as a YAML document, line break included, so a
// placeholder inside a longer value there would split it in two lines of
// the generated project ("<name>\n-consumer"). YAML files spell no
// project name; the program derives it (docs/start-a-project.md).
func TestNoYAMLFileHoldsTheProjectPlaceholder(t *testing.T) {
	checked := 0
	err := filepath.WalkDir("..", func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if entry.IsDir() && path != ".." && (strings.HasPrefix(entry.Name(), ".") || entry.Name() == "node_modules" || entry.Name() == "dist") {
			return filepath.SkipDir
		}
		if entry.IsDir() || (filepath.Ext(path) != ".yaml" && filepath.Ext(path) != ".yml") {
			return nil
		}
		checked++
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		assert.NotContains(t, string(content), projectname.Placeholder, "%s: a YAML file cannot take the project's name from `pulumi new`", path)
		return nil
	})
	require.NoError(t, err)
	assert.NotZero(t, checked, "no YAML file found")
}
