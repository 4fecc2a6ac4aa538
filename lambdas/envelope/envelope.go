// Package envelope is the contract every function of the workflow shares:
// the event it accepts ({"payload": <string>}) and the API-Gateway-style
// response it returns, exactly as the original playground's functions did.
package envelope

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Response is the API-style envelope the seed's functions return.
type Response struct {
	StatusCode int     `json:"statusCode"`
	Headers    Headers `json:"headers"`
	Body       Body    `json:"body"`
}

// Headers are the envelope's CORS and content headers. A struct rather than
// a map keeps them in the seed's order, so the output matches it byte for byte.
type Headers struct {
	AllowOrigin  string `json:"Access-Control-Allow-Origin"`
	AllowMethods string `json:"Access-Control-Allow-Methods"`
	ContentType  string `json:"content-type"`
}

// Body carries a function's result.
type Body struct {
	Payload string `json:"payload"`
}

// InvalidInputError reports an event that does not match the contract.
// Lambda reports its Go type name ("InvalidInputError") as the errorType,
// which is the error name the state machine's Catch sees.
type InvalidInputError struct {
	Reason string
}

func (e *InvalidInputError) Error() string {
	return `invalid input: ` + e.Reason + `; expected {"payload": <string>}`
}

// OK wraps payload in the seed's 200 envelope.
func OK(payload string) Response {
	return Response{
		StatusCode: 200,
		Headers: Headers{
			AllowOrigin:  "*",
			AllowMethods: "GET, POST, PUT, DELETE, OPTIONS",
			ContentType:  "application/json",
		},
		Body: Body{Payload: payload},
	}
}

// DecodePayload returns the "payload" string of event. Anything else is an
// *InvalidInputError: a non-object event, text that is not valid Unicode
// (see CheckUnicode), a missing, null or non-string payload, or any other
// field, because silently dropping a field would lose what the caller meant.
func DecodePayload(event json.RawMessage) (string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(event, &fields); err != nil || fields == nil {
		return "", &InvalidInputError{Reason: "the event must be a JSON object, got " + jsonKind(event)}
	}
	if err := CheckUnicode("the event", event); err != nil {
		return "", err
	}
	raw, ok := fields["payload"]
	if !ok {
		return "", &InvalidInputError{Reason: `field "payload" is missing`}
	}
	if extra := unexpectedFields(fields); len(extra) > 0 {
		return "", &InvalidInputError{Reason: "unexpected field(s) " + strings.Join(extra, ", ")}
	}
	var payload string
	if kind := jsonKind(raw); kind != "a string" {
		return "", &InvalidInputError{Reason: `field "payload" must be a string, got ` + kind}
	}
	if err := json.Unmarshal(raw, &payload); err != nil {
		return "", &InvalidInputError{Reason: `field "payload" is not a valid JSON string: ` + err.Error()}
	}
	return payload, nil
}

// Apply is the whole body of a text function: decode, transform, wrap.
func Apply(event json.RawMessage, transform func(string) string) (Response, error) {
	payload, err := DecodePayload(event)
	if err != nil {
		return Response{}, err
	}
	return OK(transform(payload)), nil
}

func unexpectedFields(fields map[string]json.RawMessage) []string {
	var extra []string
	for name := range fields {
		if name != "payload" {
			extra = append(extra, fmt.Sprintf("%q", name))
		}
	}
	sort.Strings(extra)
	return extra
}

// jsonKind names the JSON type of raw for error messages.
func jsonKind(raw json.RawMessage) string {
	trimmed := strings.TrimLeft(string(raw), " \t\r\n")
	switch {
	case trimmed == "":
		return "nothing"
	case !json.Valid(raw):
		return "malformed JSON"
	}
	switch trimmed[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}
