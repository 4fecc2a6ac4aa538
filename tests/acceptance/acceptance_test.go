package acceptance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
	"stepfunctions-go/internal/seedcheck"
	"stepfunctions-go/lambdas/envelope"
	"stepfunctions-go/statemachine"
)

const (
	// The passphrase only guards a state file in a temp dir that lives as long as the test.
	passphrase = "acceptance-test"
)

// requiredOutputs is the part of the stack's output contract this test
// uses: the main workflow's and, by the README's pattern, those of each
// function it needs.
func requiredOutputs(t *testing.T) []string {
	t.Helper()
	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	main, err := project.Workflow(infra.MainWorkflow)
	require.NoError(t, err)
	names := []string{"stateMachineArn", "stateMachineAliasArn", "stateMachineName", "stateMachineRoleArn", "stateMachineLogGroupName"}
	for _, fn := range project.Deployed(main) {
		stem := strings.ToLower(fn.PascalName()[:1]) + fn.PascalName()[1:]
		names = append(names, stem+"FunctionArn", stem+"FunctionName", stem+"LogGroupName")
	}
	return names
}

// TestAcceptance deploys a fresh stack, runs the seed execution, proves a
// second up is a no-op, destroys, and proves AWS has nothing left.
// Run it with: STEPFUNCTIONS_ACCEPTANCE=1 go test -run TestAcceptance -v -timeout 40m ./tests/acceptance/
func TestAcceptance(t *testing.T) {
	if reason := skipReason(os.Getenv, exec.LookPath); reason != "" {
		t.Skip(reason)
	}
	ctx := t.Context()
	root, err := projectRoot()
	require.NoError(t, err)
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	require.NoError(t, err, "loading AWS credentials")
	cloud := newClients(awsCfg)
	// The deployer policy does not grant iam:ListPolicies: an identity
	// without it gets a log line, and CreateRole's own error if it is missing.
	project, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	require.NoError(t, err)
	if err := boundaryExists(ctx, cloud.iam, infra.DefaultPermissionsBoundary(project.Name.String())); errors.Is(err, errNoBoundary) {
		require.NoError(t, err)
	} else if err != nil {
		t.Logf("could not check for the permissions boundary policy: %v", err)
	}

	// Not t.TempDir: if destroy fails, this state is all that can still
	// destroy what was created, so it must outlive the test.
	backend, err := os.MkdirTemp("", "acceptance-state-")
	require.NoError(t, err)
	keepState := false
	t.Cleanup(func() {
		if !keepState {
			assert.NoError(t, os.RemoveAll(backend))
		}
	})
	stackName, err := uniqueStackName()
	require.NoError(t, err)
	progress := optup.ProgressStreams(testLog{t})

	workspaceVars := map[string]string{
		"PULUMI_BACKEND_URL":       "file://" + backend,
		"PULUMI_CONFIG_PASSPHRASE": passphrase,
		"PULUMI_SKIP_UPDATE_CHECK": "true",
	}
	workspaceEnv := auto.EnvVars(workspaceVars)
	stack, err := auto.UpsertStackLocalSource(ctx, stackName, root, workspaceEnv)
	require.NoError(t, err, "creating stack %s in %s", stackName, backend)
	destroyed := false
	t.Cleanup(func() {
		// t.Context() is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		defer cancel()
		if !destroyed {
			if _, err := stack.Destroy(ctx, optdestroy.ProgressStreams(testLog{t})); err != nil {
				t.Errorf("destroying stack %s failed; AWS resources may be left. Its state is kept: "+
					"PULUMI_BACKEND_URL=file://%s PULUMI_CONFIG_PASSPHRASE=%s pulumi destroy -s %s -C %s\n%v",
					stackName, backend, passphrase, stackName, root, err)
				keepState = true
				return
			}
		}
		// Also deletes the Pulumi.<stack>.yaml that SetConfig wrote into the project root.
		assert.NoError(t, stack.Workspace().RemoveStack(ctx, stackName), "removing stack %s", stackName)
	})
	require.NoError(t, stack.SetConfig(ctx, "aws:region", auto.ConfigValue{Value: region}))

	up, err := stack.Up(ctx, progress)
	require.NoError(t, err, "first up")
	outputs := map[string]string{}
	for name, out := range up.Outputs {
		if s, ok := out.Value.(string); ok {
			outputs[name] = s
		}
	}
	for _, name := range requiredOutputs(t) {
		require.NotEmpty(t, outputs[name], "stack output %q", name)
	}

	// Every execution starts on a live alias, as clients do: that also
	// proves on AWS that the role's trust policy admits an execution of a
	// published version (see NewWorkflow).
	t.Run("example execution", func(t *testing.T) {
		example, err := statemachine.LoadExample(infra.MainWorkflow)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
		defer cancel()
		_, err = seedcheck.Run(ctx, cloud.sfn, outputs["stateMachineAliasArn"], example, 2*time.Second)
		require.NoError(t, err)
	})

	// The callback workflow on AWS: the queue, the event source mapping,
	// the worker and its task-token report, none of which a local run proves.
	t.Run("callback example execution", func(t *testing.T) {
		arn := outputs[infra.CallbackWorkflow+"StateMachineAliasArn"]
		require.NotEmpty(t, arn, "the default config deploys the callback workflow; stack output %sStateMachineAliasArn", infra.CallbackWorkflow)
		example, err := statemachine.LoadExample(infra.CallbackWorkflow)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		defer cancel()
		_, err = seedcheck.Run(ctx, cloud.sfn, arn, example, 2*time.Second)
		require.NoError(t, err)
	})

	// A failure path on AWS: bad input fails the execution at once with
	// the function's own error type, through the Catch.
	t.Run("bad input fails with the function's error", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
		defer cancel()
		_, err := seedcheck.RunFailing(ctx, cloud.sfn, outputs["stateMachineAliasArn"], json.RawMessage(badInput), invalidInputErrorName(), 2*time.Second)
		require.NoError(t, err)
	})

	again, err := stack.Up(ctx, progress)
	require.NoError(t, err, "second up")
	require.NotNil(t, again.Summary.ResourceChanges, "second up reported no resource changes at all")
	changes := *again.Summary.ResourceChanges
	assert.Positive(t, changes["same"], "second up saw no unchanged resources: %v", changes)
	for op, n := range changes {
		assert.Equal(t, "same", op, "second up would %s %d resource(s); a re-deploy of the same code must change nothing", op, n)
	}

	// Destroy as a teammate or a CI job would: from a fresh checkout that
	// has never run the program, following the README's destroy commands,
	// on a machine without this one's upload memos: a TMPDIR of its own, so
	// the provider cannot be satisfied by $TMPDIR/pulumi-asset-<hash> files
	// the deploy left (infra/assetmemo.go) and must read .build/.
	clean := cleanCheckout(t, root, "Pulumi."+stackName+".yaml")
	freshTemp := t.TempDir()
	runIn(t, clean, "go", "run", "./cmd/package", "-arch", "arm64", "-out", ".build/arm64")
	cleanStack, err := auto.SelectStackLocalSource(ctx, stackName, clean, auto.EnvVars(withTempDir(workspaceVars, freshTemp)))
	require.NoError(t, err, "selecting stack %s from the clean checkout", stackName)
	_, err = cleanStack.Destroy(ctx, optdestroy.ProgressStreams(testLog{t}))
	require.NoError(t, err, "destroy from a clean checkout")
	destroyed = true

	left := physicalResources(outputs)
	require.NotEmpty(t, left)
	assertAllGone(ctx, t, cloud, left, 3*time.Minute)
}

// errNoBoundary is boundaryExists's answer when the account has no policy
// of that name.
var errNoBoundary = errors.New("no permissions boundary policy")

// boundaryExists says how to create the permissions boundary every role
// of the stack carries when the account has no customer managed policy of
// that name: an administrator creates it once (README, Deploy).
func boundaryExists(ctx context.Context, client *iam.Client, name string) error {
	pages := iam.NewListPoliciesPaginator(client, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing the account's managed policies to find the permissions boundary %s: %w", name, err)
		}
		for _, policy := range page.Policies {
			if aws.ToString(policy.PolicyName) == name {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: the account has no managed policy %s, the permissions boundary every role of the stack carries; "+
		"as an administrator, run: aws iam create-policy --policy-name %s --policy-document file://infra/permissions-boundary.json", errNoBoundary, name, name)
}

// badInput is input every function refuses: payload must be a string.
const badInput = `{"payload": 42}`

// invalidInputErrorName is the error a function's bad-input error reaches
// Step Functions as: Lambda reports a Go error's type name as errorType.
func invalidInputErrorName() string {
	return reflect.TypeOf(envelope.InvalidInputError{}).Name()
}

// withTempDir is vars with TMPDIR set to dir, for a Pulumi CLI (and the
// providers it starts) that must not see another run's temporary files.
func withTempDir(vars map[string]string, dir string) map[string]string {
	out := maps.Clone(vars)
	out["TMPDIR"] = dir
	return out
}

// cleanCheckout copies the files git tracks, and the named untracked ones
// (the stack's config), into a new directory: no .build/, no caches.
func cleanCheckout(t *testing.T, root string, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	archive := exec.Command("git", "-C", root, "archive", "--format=tar", "HEAD")
	unpack := exec.Command("tar", "-x", "-C", dir)
	var err error
	unpack.Stdin, err = archive.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, unpack.Start())
	require.NoError(t, archive.Run(), "git archive")
	require.NoError(t, unpack.Wait(), "unpacking the checkout")
	for _, name := range extra {
		data, err := os.ReadFile(filepath.Join(root, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	return dir
}

func runIn(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	output, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %v in %s:\n%s", name, args, dir, output)
}

// assertAllGone polls because deletes in IAM, SQS and Step Functions are
// eventually consistent: a resource may be visible for a while after destroy.
func assertAllGone(ctx context.Context, t *testing.T, cloud clients, resources []physical, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var remaining []string
		for _, p := range resources {
			gone, err := cloud.gone(ctx, p)
			switch {
			case err != nil:
				remaining = append(remaining, fmt.Sprintf("%s %s (lookup failed: %v)", p.kind, p.id, err))
			case !gone:
				remaining = append(remaining, fmt.Sprintf("%s %s", p.kind, p.id))
			}
		}
		if len(remaining) == 0 {
			return
		}
		if time.Now().After(deadline) {
			sort.Strings(remaining)
			t.Errorf("still in AWS %s after destroy:\n  %s", within, strings.Join(remaining, "\n  "))
			return
		}
		time.Sleep(5 * time.Second)
	}
}

// projectRoot finds the module root from the test's directory, so the test
// deploys this checkout wherever it lives.
func projectRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err != nil {
				return "", fmt.Errorf("module root %s has no Pulumi.yaml: %w", dir, err)
			}
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory: run the test from inside the module")
		}
		dir = parent
	}
}

// uniqueStackName keeps physical names (<project>-<stack>-...) short enough
// for Lambda's 64-character limit while two runs in one account cannot collide.
func uniqueStackName() (string, error) {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "acc-" + hex.EncodeToString(b), nil
}

// testLog sends Pulumi's progress to the test log, where -v shows it live
// and a failure shows it in full.
type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
