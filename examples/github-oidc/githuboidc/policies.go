package githuboidc

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"stepfunctions-go/infra"
)

// The condition keys IAM gives a web identity from GitHub's OIDC provider.
const (
	audienceKey = "token.actions.githubusercontent.com:aud"
	subjectKey  = "token.actions.githubusercontent.com:sub"
)

// deploySubject is the subject of a token GitHub issues to a job that names
// the environment: "If a job references an environment, the sub claim uses
// the environment form, not the branch" (GitHub, OpenID Connect reference).
// Only that subject is trusted, not repo:…:ref:refs/heads/main: a job on
// main without the environment would skip its required reviewers. Which
// branches may use the environment is the environment's own rule.
func deploySubject(repository, environment string) string {
	return "repo:" + repository + ":environment:" + environment
}

// previewSubject is the subject of a token issued to a pull_request
// workflow run, for every branch of the repository. GitHub issues a fork's
// pull request no token (preview.yml skips them as well).
func previewSubject(repository string) string {
	return "repo:" + repository + ":pull_request"
}

// trustPolicy lets tokens of GitHub's provider with exactly this subject,
// issued for STS, assume the role. StringEquals, never StringLike: a
// subject is compared whole, so no wildcard can widen it.
func trustPolicy(providerArn, subject string) infra.PolicyDocument {
	return infra.Policy(infra.Statement{
		Sid:       "GitHubActions",
		Effect:    "Allow",
		Principal: map[string][]string{"Federated": {providerArn}},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: map[string]map[string][]string{"StringEquals": {
			audienceKey: {audience},
			subjectKey:  {subject},
		}},
	})
}

func trustPolicyOutput(providerArn pulumi.StringOutput, subject string) pulumi.StringOutput {
	return providerArn.ApplyT(func(arn string) (string, error) {
		return trustPolicy(arn, subject).JSON()
	}).(pulumi.StringOutput)
}

// readVerbs begin the actions that only read: `pulumi preview` looks up the
// account and compares; it creates, changes and deletes nothing.
var readVerbs = []string{"Get", "List", "Describe", "Validate"}

// readOnlyStatements are the deployer policy's Allow statements cut down to
// their read actions, on the same resources under the same conditions, so
// the preview role sees what the deployer manages and nothing more.
func readOnlyStatements(deployerPolicy string) ([]infra.Statement, error) {
	var document struct {
		Statement []struct {
			Sid       string
			Effect    string
			Action    stringList
			Resource  stringList
			Condition map[string]map[string]stringList
		}
	}
	if err := json.Unmarshal([]byte(deployerPolicy), &document); err != nil {
		return nil, fmt.Errorf("reading infra/deployer-policy.json: %w", err)
	}
	var statements []infra.Statement
	for _, s := range document.Statement {
		if s.Effect != "Allow" {
			continue
		}
		var reads []string
		for _, action := range s.Action {
			_, name, _ := strings.Cut(action, ":")
			for _, verb := range readVerbs {
				if strings.HasPrefix(name, verb) {
					reads = append(reads, action)
					break
				}
			}
		}
		if len(reads) == 0 {
			continue
		}
		var condition map[string]map[string][]string
		if len(s.Condition) > 0 {
			condition = map[string]map[string][]string{}
			for operator, keys := range s.Condition {
				condition[operator] = map[string][]string{}
				for key, values := range keys {
					condition[operator][key] = values
				}
			}
		}
		statements = append(statements, infra.Statement{Sid: "Read" + s.Sid, Effect: "Allow", Action: reads, Resource: s.Resource, Condition: condition})
	}
	if len(statements) == 0 {
		return nil, fmt.Errorf("infra/deployer-policy.json allows no action beginning %s: the preview role would be useless", strings.Join(readVerbs, ", "))
	}
	return statements, nil
}

// stringList is a policy element that IAM takes as one string or a list.
type stringList []string

func (l *stringList) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*l = []string{one}
		return nil
	}
	return json.Unmarshal(data, (*[]string)(l))
}

// deployStatePolicy lets `pulumi up` read and write the S3 backend.
func deployStatePolicy(bucketArn string) infra.PolicyDocument {
	return infra.Policy(
		infra.Allow("ListState", []string{"s3:ListBucket"}, bucketArn),
		infra.Allow("ReadAndWriteState", []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, bucketArn+"/*"),
	)
}

// previewStatePolicy lets `pulumi preview` read the S3 backend and take
// the stack's lock, which it writes and deletes under .pulumi/locks/ (the
// Pulumi CLI's diy backend locks a stack for a preview too).
func previewStatePolicy(bucketArn string) infra.PolicyDocument {
	return infra.Policy(
		infra.Allow("ListState", []string{"s3:ListBucket"}, bucketArn),
		infra.Allow("ReadState", []string{"s3:GetObject"}, bucketArn+"/*"),
		infra.Allow("LockTheStack", []string{"s3:PutObject", "s3:DeleteObject"}, bucketArn+"/.pulumi/locks/*"),
	)
}
