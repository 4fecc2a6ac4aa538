package infra

import (
	"encoding/json"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PolicyDocument is an IAM policy built from Go values, so a policy is never
// assembled by string concatenation.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one IAM policy statement.
type Statement struct {
	Sid       string                         `json:"Sid,omitempty"`
	Effect    string                         `json:"Effect"`
	Principal map[string][]string            `json:"Principal,omitempty"`
	Action    []string                       `json:"Action"`
	Resource  []string                       `json:"Resource,omitempty"`
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// Allow is an Allow statement.
func Allow(sid string, actions []string, resources ...string) Statement {
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

// Policy is a document of the given statements.
func Policy(statements ...Statement) PolicyDocument {
	return PolicyDocument{Version: "2012-10-17", Statement: statements}
}

// JSON is the document as IAM takes it.
func (d PolicyDocument) JSON() (string, error) {
	encoded, err := json.Marshal(d)
	return string(encoded), err
}

// Grant is an Allow statement on resources known only once they exist.
type Grant struct {
	Sid       string
	Actions   []string
	Resources []pulumi.StringOutput
}

// policyOutput renders a policy of static statements plus grants, once every
// granted resource's ARN is known.
func policyOutput(static []Statement, grants ...Grant) pulumi.StringOutput {
	var resources []any
	for _, grant := range grants {
		for _, resource := range grant.Resources {
			resources = append(resources, resource)
		}
	}
	return pulumi.All(resources...).ApplyT(func(resolved []any) (string, error) {
		statements := slices.Clone(static)
		for _, grant := range grants {
			arns := make([]string, len(grant.Resources))
			for i := range arns {
				arns[i] = resolved[0].(string)
				resolved = resolved[1:]
			}
			statements = append(statements, Allow(grant.Sid, grant.Actions, arns...))
		}
		return Policy(statements...).JSON()
	}).(pulumi.StringOutput)
}

// xrayActions are what writing X-Ray traces needs. X-Ray has no resource-level
// permissions, so AWS requires Resource "*" for them.
var xrayActions = []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}

// tracingStatements allow writing X-Ray traces when tracing is on.
func tracingStatements(tracing bool) []Statement {
	if !tracing {
		return nil
	}
	return []Statement{Allow("WriteTraces", xrayActions, "*")}
}
