package localrun

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Step Functions checks every request against its service model before it
// looks at what the request names: a missing required member, a string
// outside its length limits, a number outside its range or a value outside
// an enum is a ValidationException, whose message lists every violation in
// AWS's form:
//
//	1 validation error detected: Value 'x…x' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80
//
// A sensitive member's value is left out of the message ("Value at
// 'input'"). requestRules holds the constraints of the operations served;
// TestTheModelJudgesEveryExchange and TestServerValidatesTheModelsConstraints
// check them against the service model itself.

// memberRule is the model's constraints on one request member.
type memberRule struct {
	member    string
	required  bool
	kind      string // string, integer, boolean, structure or list
	sensitive bool
	// minLength and maxLength bound a string's length in characters;
	// maxLength 0 sets no limit.
	minLength, maxLength int
	// minValue and maxValue bound an integer; maxValue 0 sets no limit.
	minValue, maxValue int
	enum               []string
	// ascii is the pattern \p{ASCII}*.
	ascii bool
	// members are a structure's own rules; its violations are named by
	// their path, e.g. 'mock.errorOutput.error'.
	members []memberRule
	// item is the rule of a list's items, which AWS names by position:
	// 'tags.1.member.key'.
	item *memberRule
}

var (
	arnMember       = memberRule{kind: "string", minLength: 1, maxLength: 256}
	payloadMember   = memberRule{kind: "string", sensitive: true, maxLength: 256 << 10}
	taskTokenMember = memberRule{member: "taskToken", required: true, kind: "string", minLength: 1, maxLength: 2048}
	pageSizeMember  = memberRule{member: "maxResults", kind: "integer", minValue: 0, maxValue: 1000}
	pageTokenMember = memberRule{member: "nextToken", kind: "string", minLength: 1, maxLength: 1024}
	errorMember     = memberRule{member: "error", kind: "string", sensitive: true, maxLength: 256}
	causeMember     = memberRule{member: "cause", kind: "string", sensitive: true, maxLength: 32768}
	includedData    = memberRule{member: "includedData", kind: "string", enum: []string{"ALL_DATA", "METADATA_ONLY"}}
	stateNameMember = memberRule{kind: "string", sensitive: true, minLength: 1, maxLength: 80}
	executionStatus = []string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}
)

// named is rule for the member called member, required or not.
func named(rule memberRule, member string, required bool) memberRule {
	rule.member, rule.required = member, required
	return rule
}

var startRules = []memberRule{
	named(arnMember, "stateMachineArn", true),
	{member: "name", kind: "string", minLength: 1, maxLength: 80},
	named(payloadMember, "input", false),
	{member: "traceHeader", kind: "string", maxLength: 256, ascii: true},
}

var requestRules = map[string][]memberRule{
	"SendTaskSuccess":      {taskTokenMember, named(payloadMember, "output", true)},
	"SendTaskFailure":      {taskTokenMember, errorMember, causeMember},
	"SendTaskHeartbeat":    {taskTokenMember},
	"ListStateMachines":    {pageSizeMember, pageTokenMember},
	"DescribeStateMachine": {named(arnMember, "stateMachineArn", true), includedData},
	"StartExecution":       startRules,
	"StartSyncExecution":   append(startRules[:len(startRules):len(startRules)], includedData),
	"DescribeExecution":    {named(arnMember, "executionArn", true), includedData},
	"ListExecutions": {
		named(arnMember, "stateMachineArn", false),
		{member: "statusFilter", kind: "string", enum: executionStatus},
		pageSizeMember,
		{member: "nextToken", kind: "string", minLength: 1, maxLength: 3096},
		{member: "mapRunArn", kind: "string", minLength: 1, maxLength: 2000},
		{member: "redriveFilter", kind: "string", enum: []string{"REDRIVEN", "NOT_REDRIVEN"}},
	},
	"StopExecution":       {named(arnMember, "executionArn", true), errorMember, causeMember},
	"GetExecutionHistory": {named(arnMember, "executionArn", true), pageSizeMember, {member: "reverseOrder", kind: "boolean"}, pageTokenMember, {member: "includeExecutionData", kind: "boolean"}},
	"TestState": {
		named(definitionMember, "definition", true),
		named(arnMember, "roleArn", false),
		named(payloadMember, "input", false),
		{member: "inspectionLevel", kind: "string", enum: []string{"INFO", "DEBUG", "TRACE"}},
		{member: "revealSecrets", kind: "boolean"},
		named(payloadMember, "variables", false),
		named(stateNameMember, "stateName", false),
		{member: "mock", kind: "structure", members: []memberRule{
			named(payloadMember, "result", false),
			{member: "errorOutput", kind: "structure", members: []memberRule{errorMember, causeMember}},
			{member: "fieldValidationMode", kind: "string", enum: []string{"STRICT", "PRESENT", "NONE"}},
		}},
		named(payloadMember, "context", false),
		{member: "stateConfiguration", kind: "structure", members: []memberRule{
			{member: "retrierRetryCount", kind: "integer"},
			named(stateNameMember, "errorCausedByState", false),
			{member: "mapIterationFailureCount", kind: "integer"},
			named(payloadMember, "mapItemReaderData", false),
		}},
	},
	"CreateStateMachine": {
		{member: "name", required: true, kind: "string", minLength: 1, maxLength: 80},
		named(definitionMember, "definition", true),
		named(arnMember, "roleArn", true),
		machineType,
		loggingConfiguration,
		named(tagList, "tags", false),
		tracingConfiguration,
		{member: "publish", kind: "boolean"},
		versionDescription,
		encryptionConfiguration,
	},
	"UpdateStateMachine": {
		named(arnMember, "stateMachineArn", true),
		named(definitionMember, "definition", false),
		named(arnMember, "roleArn", false),
		loggingConfiguration,
		tracingConfiguration,
		{member: "publish", kind: "boolean"},
		versionDescription,
		encryptionConfiguration,
	},
	"DeleteStateMachine": {named(arnMember, "stateMachineArn", true)},
	"ValidateStateMachineDefinition": {
		named(definitionMember, "definition", true),
		machineType,
		{member: "severity", kind: "string", enum: []string{"ERROR", "WARNING"}},
		{member: "maxResults", kind: "integer", minValue: 0, maxValue: 100},
	},
	"DescribeStateMachineForExecution": {named(arnMember, "executionArn", true), includedData},
	"TagResource":                      {named(arnMember, "resourceArn", true), named(tagList, "tags", true)},
	"UntagResource":                    {named(arnMember, "resourceArn", true), {member: "tagKeys", required: true, kind: "list", item: &tagKey}},
	"ListTagsForResource":              {named(arnMember, "resourceArn", true)},
}

// The members of the operations on state machines themselves.
var (
	definitionMember     = memberRule{kind: "string", sensitive: true, minLength: 1, maxLength: 1 << 20}
	machineType          = memberRule{member: "type", kind: "string", enum: []string{"STANDARD", "EXPRESS"}}
	versionDescription   = memberRule{member: "versionDescription", kind: "string", sensitive: true, maxLength: 256}
	tagKey               = memberRule{member: "key", kind: "string", minLength: 1, maxLength: 128}
	tagList              = memberRule{kind: "list", item: &memberRule{kind: "structure", members: []memberRule{tagKey, {member: "value", kind: "string", maxLength: 256}}}}
	tracingConfiguration = memberRule{member: "tracingConfiguration", kind: "structure", members: []memberRule{{member: "enabled", kind: "boolean"}}}
	loggingConfiguration = memberRule{member: "loggingConfiguration", kind: "structure", members: []memberRule{
		{member: "level", kind: "string", enum: []string{"ALL", "ERROR", "FATAL", "OFF"}},
		{member: "includeExecutionData", kind: "boolean"},
		{member: "destinations", kind: "list", item: &memberRule{kind: "structure", members: []memberRule{
			{member: "cloudWatchLogsLogGroup", kind: "structure", members: []memberRule{named(arnMember, "logGroupArn", false)}},
		}}},
	}}
	encryptionConfiguration = memberRule{member: "encryptionConfiguration", kind: "structure", members: []memberRule{
		{member: "kmsKeyId", kind: "string", minLength: 1, maxLength: 2048},
		{member: "kmsDataKeyReusePeriodSeconds", kind: "integer", minValue: 60, maxValue: 900},
		{member: "type", required: true, kind: "string", enum: []string{"AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY"}},
	}}
)

// validate checks body, a JSON object, against operation's rules: a member
// of the wrong JSON type is a SerializationException, as AWS answers, and
// every constraint violation is reported in one ValidationException.
func validate(operation string, body []byte) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return apiErrorf("SerializationException", "the request body is not a JSON object: %v", err)
	}
	violations, err := violationsOf(requestRules[operation], members, "")
	if err != nil {
		return err
	}
	switch len(violations) {
	case 0:
		return nil
	case 1:
		return apiErrorf("ValidationException", "1 validation error detected: %s", violations[0])
	default:
		return apiErrorf("ValidationException", "%d validation errors detected: %s", len(violations), strings.Join(violations, "; "))
	}
}

// violationsOf lists how members, a JSON object at path ("" for the
// request itself), break rules, nested structures' members included.
func violationsOf(rules []memberRule, members map[string]json.RawMessage, path string) ([]string, error) {
	var violations []string
	for _, rule := range rules {
		at := rule.member
		if path != "" {
			at = path + "." + rule.member
		}
		raw, present := members[rule.member]
		if !present || string(raw) == "null" {
			if rule.required {
				violations = append(violations, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", at))
			}
			continue
		}
		if rule.kind == "list" {
			var items []json.RawMessage
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, apiErrorf("SerializationException", "'%s' must be a JSON array: %v", at, err)
			}
			for i, item := range items {
				itemRule := *rule.item
				itemRule.member = fmt.Sprintf("%d.member", i+1)
				found, err := violationsOf([]memberRule{itemRule}, map[string]json.RawMessage{itemRule.member: item}, at)
				if err != nil {
					return nil, err
				}
				violations = append(violations, found...)
			}
			continue
		}
		if rule.kind == "structure" {
			var nested map[string]json.RawMessage
			if err := json.Unmarshal(raw, &nested); err != nil {
				return nil, apiErrorf("SerializationException", "'%s' must be a JSON object: %v", at, err)
			}
			found, err := violationsOf(rule.members, nested, at)
			if err != nil {
				return nil, err
			}
			violations = append(violations, found...)
			continue
		}
		violation, err := rule.check(at, raw)
		if err != nil {
			return nil, err
		}
		if violation != "" {
			violations = append(violations, violation)
		}
	}
	return violations, nil
}

// check returns the violation of rule by raw, a JSON value at path, if any.
func (rule memberRule) check(path string, raw json.RawMessage) (violation string, err error) {
	var value any
	switch rule.kind {
	case "string":
		value = new(string)
	case "integer":
		value = new(int)
	case "boolean":
		value = new(bool)
	}
	if err := json.Unmarshal(raw, value); err != nil {
		return "", apiErrorf("SerializationException", "'%s' must be a JSON %s: %v", path, rule.kind, err)
	}
	var constraint, text string
	switch v := value.(type) {
	case *string:
		text = *v
		n := utf8.RuneCountInString(text)
		switch {
		case n < rule.minLength:
			constraint = fmt.Sprintf("Member must have length greater than or equal to %d", rule.minLength)
		case rule.maxLength > 0 && n > rule.maxLength:
			constraint = fmt.Sprintf("Member must have length less than or equal to %d", rule.maxLength)
		case rule.enum != nil && !slices.Contains(rule.enum, text):
			constraint = fmt.Sprintf("Member must satisfy enum value set: [%s]", strings.Join(rule.enum, ", "))
		case rule.ascii && strings.IndexFunc(text, func(r rune) bool { return r > unicode.MaxASCII }) >= 0:
			constraint = `Member must satisfy regular expression pattern: \p{ASCII}*`
		}
	case *int:
		text = strconv.Itoa(*v)
		switch {
		case *v < rule.minValue:
			constraint = fmt.Sprintf("Member must have value greater than or equal to %d", rule.minValue)
		case rule.maxValue != 0 && *v > rule.maxValue:
			constraint = fmt.Sprintf("Member must have value less than or equal to %d", rule.maxValue)
		}
	}
	if constraint == "" {
		return "", nil
	}
	if rule.sensitive {
		return fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", path, constraint), nil
	}
	return fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", text, path, constraint), nil
}
