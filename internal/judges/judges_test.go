package judges

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	account  = "123456789012"
	function = "arn:aws:lambda:us-east-1:" + account + ":function:f"
	role     = "arn:aws:iam::" + account + ":role/r"
	machine  = "arn:aws:states:us-east-1:" + account + ":stateMachine:m"
)

var (
	invokeF = Policy{"invoke", `{"Version":"2012-10-17","Statement":[{"Sid":"InvokeF","Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["` + function + `:*"]}]}`}
	trust   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["states.amazonaws.com"]},"Action":["sts:AssumeRole"],"Condition":{"ArnEquals":{"aws:SourceArn":"` + machine + `"}}}]}`
	// A web identity trust on the two keys IAM gives every OIDC provider.
	github    = "arn:aws:iam::" + account + ":oidc-provider/token.actions.githubusercontent.com"
	oidcTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + github + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:o/r:pull_request"}}}]}`
)

func webIdentity(principal string, claims map[string]string) Request {
	return Request{Principal: principal, Action: "sts:AssumeRoleWithWebIdentity", Resource: role, ResourceAccount: account, Context: claims, ResourcePolicy: oidcTrust}
}

func claims(aud, sub string) map[string]string {
	return map[string]string{"token.actions.githubusercontent.com:aud": aud, "token.actions.githubusercontent.com:sub": sub}
}

func TestSimulateIAMDecides(t *testing.T) {
	tests := []struct {
		name         string
		request      Request
		want         string
		wantDecisive string
	}{
		{"identity policy allows", Request{Principal: role, Action: "lambda:InvokeFunction", Resource: function + ":7", ResourceAccount: account, IdentityPolicies: []Policy{invokeF}}, "Allowed", "identity policy invoke, statement 1 (InvokeF)"},
		{"another function", Request{Principal: role, Action: "lambda:InvokeFunction", Resource: function + "x:7", ResourceAccount: account, IdentityPolicies: []Policy{invokeF}}, "ImplicitlyDenied", "no statement of the identity policies allows it"},
		{"another action", Request{Principal: role, Action: "lambda:UpdateFunctionCode", Resource: function, ResourceAccount: account, IdentityPolicies: []Policy{invokeF}}, "ImplicitlyDenied", "no statement of the identity policies allows it"},
		{"trust policy allows", Request{Principal: "states.amazonaws.com", Action: "sts:AssumeRole", Resource: role, ResourceAccount: account, Context: map[string]string{"aws:SourceArn": machine}, ResourcePolicy: trust}, "Allowed", "the resource policy, statement 1"},
		{"trust condition fails", Request{Principal: "states.amazonaws.com", Action: "sts:AssumeRole", Resource: role, ResourceAccount: account, Context: map[string]string{"aws:SourceArn": machine + "2"}, ResourcePolicy: trust}, "ImplicitlyDenied", "no statement of the resource policies allows it"},
		{"web identity trust allows", webIdentity(github, claims("sts.amazonaws.com", "repo:o/r:pull_request")), "Allowed", "the resource policy, statement 1"},
		{"web identity: another subject", webIdentity(github, claims("sts.amazonaws.com", "repo:o/x:pull_request")), "ImplicitlyDenied", "no statement of the resource policies allows it"},
		{"web identity: another audience", webIdentity(github, claims("https://github.com/o", "repo:o/r:pull_request")), "ImplicitlyDenied", "no statement of the resource policies allows it"},
		{"web identity: another provider", webIdentity("arn:aws:iam::"+account+":oidc-provider/gitlab.com", claims("sts.amazonaws.com", "repo:o/r:pull_request")), "ImplicitlyDenied", "no statement of the resource policies allows it"},
	}
	requests := make([]Request, len(tests))
	for i, tt := range tests {
		requests[i] = tt.request
	}
	decisions, err := SimulateIAM(t.Context(), requests)
	require.NoError(t, err)
	require.Len(t, decisions, len(tests))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, decisions[i].Result)
			assert.Contains(t, decisions[i].Decisive, tt.wantDecisive)
		})
	}
}

// What the simulator cannot evaluate is an error, never a denial.
func TestSimulateIAMRejectsWhatItCannotEvaluate(t *testing.T) {
	tests := []struct {
		name    string
		request Request
		want    string
	}{
		{"unknown action", Request{Principal: role, Action: "lambda:InvokeFunctio", Resource: function, ResourceAccount: account, IdentityPolicies: []Policy{invokeF}}, "lambda:InvokeFunctio on"},
		{"malformed policy", Request{Principal: role, Action: "lambda:InvokeFunction", Resource: function, ResourceAccount: account, IdentityPolicies: []Policy{{"bad", `{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Action":"lambda:InvokeFunction","Resource":"*"}]}`}}}, "the simulator rejects the request"},
		{"wrong resource type", Request{Principal: role, Action: "logs:DescribeLogGroups", Resource: "arn:aws:logs:us-east-1:" + account + ":log-group:g", ResourceAccount: account}, "the simulator rejects the request"},
		// Only aud and sub are evaluated past the simulator's key filter.
		{"web identity with a key IAM does not have", webIdentity(github, map[string]string{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:branch": "main"}), "token.actions.githubusercontent.com:branch for sts:AssumeRoleWithWebIdentity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SimulateIAM(t.Context(), []Request{tt.request})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "request 0 ("+tt.request.Principal)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

const validDefinition = `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
	"Parameters":{"FunctionName":"` + function + `:7","Payload.$":"$"},
	"Retry":[{"ErrorEquals":["States.ALL"],"MaxDelaySeconds":20,"JitterStrategy":"FULL"}],"End":true}}}`

func TestValidateASL(t *testing.T) {
	tests := []struct {
		name, definition, want string
	}{
		{"valid", validDefinition, ""},
		{"unknown JitterStrategy", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["States.ALL"],"JitterStrategy":"SOME"}],"End":true}}}`, "JitterStrategy"},
		{"misspelt field", `{"StartAt":"A","States":{"A":{"Type":"Pass","Nxet":"B"},"B":{"Type":"Succeed"}}}`, "1:45: error: Field is not supported"},
		{"missing target", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"C"}}}`, "must be the name of an existing state"},
		{"not JSON", `{"StartAt":`, "error"},
		{"valid JSONata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":{"n":"{% $states.input.n + 1 %}"},"End":true}}}`, ""},
		{"Parameters in a JSONata state", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"n.$":"$.n"},"End":true}}}`, "asl-validator: SCHEMA_VALIDATION_FAILED: /States/A"},
		{"broken JSONata expression", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":{"n":"{% $states.input. %}"},"End":true}}}`, "asl-validator: SCHEMA_VALIDATION_FAILED: /States/A/Output/n is invalid"},
		{"JSONata newer than AWS's 2.0.6", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":{"n":"{% $states.input.n ?? 0 %}"},"End":true}}}`, "asl-validator: SCHEMA_VALIDATION_FAILED: /States/A/Output/n is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diagnostics, err := ValidateASL(t.Context(), []Definition{{Name: tt.name, JSON: tt.definition}})
			require.NoError(t, err)
			if tt.want == "" {
				assert.Empty(t, diagnostics)
				return
			}
			require.NotEmpty(t, diagnostics)
			assert.Contains(t, diagnostics[0].String(), tt.name+":")
			var all string
			for _, d := range diagnostics {
				all += d.String() + "\n"
			}
			assert.Contains(t, all, tt.want)
		})
	}
}

func TestMissingNodeSaysWhatToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := ValidateASL(t.Context(), []Definition{{Name: "d", JSON: validDefinition}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "node is not installed")
	assert.Contains(t, err.Error(), "install Node.js 20 or newer")
}
