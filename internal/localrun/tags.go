package localrun

import (
	"errors"
	"slices"
)

// TagResource, UntagResource and ListTagsForResource, for created state
// machines and the stack's alike.

type tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// maxTags is how many tags AWS lets a resource have (TooManyTags).
const maxTags = 50

// taggable is the state machine resourceArn names, for the tag operations.
func (s *stepFunctionsEndpoint) taggable(resourceArn string) (*stateMachine, error) {
	machine, err := s.machine(resourceArn)
	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr.Type == "StateMachineDoesNotExist" {
		return nil, apiErrorf("ResourceNotFound", "Resource not found: '%s'", resourceArn)
	}
	return machine, err
}

// checkTags refuses a tag without a key, which the model leaves optional.
func checkTags(tags []tag) error {
	if slices.ContainsFunc(tags, func(t tag) bool { return t.Key == "" }) {
		return apiErrorf("ValidationException", "every tag needs a key of 1 to 128 characters")
	}
	return nil
}

// mergeTags is tags with added, a key's new value replacing its old.
func mergeTags(tags, added []tag) []tag {
	merged := slices.Clone(tags)
	for _, t := range added {
		if i := slices.IndexFunc(merged, func(old tag) bool { return old.Key == t.Key }); i >= 0 {
			merged[i] = t
		} else {
			merged = append(merged, t)
		}
	}
	return merged
}

func (s *stepFunctionsEndpoint) tagResource(body []byte) (any, error) {
	var request struct {
		ResourceArn string `json:"resourceArn"`
		Tags        []tag  `json:"tags"`
	}
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	machine, err := s.taggable(request.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := checkTags(request.Tags); err != nil {
		return nil, err
	}
	machine.mu.Lock()
	defer machine.mu.Unlock()
	merged := mergeTags(machine.tags, request.Tags)
	if len(merged) > maxTags {
		return nil, apiErrorf("TooManyTags", "Too many tags: %s would have %d, at most %d per resource", machine.arn, len(merged), maxTags)
	}
	machine.tags = merged
	return struct{}{}, nil
}

func (s *stepFunctionsEndpoint) untagResource(body []byte) (any, error) {
	var request struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	machine, err := s.taggable(request.ResourceArn)
	if err != nil {
		return nil, err
	}
	machine.mu.Lock()
	defer machine.mu.Unlock()
	machine.tags = slices.DeleteFunc(machine.tags, func(t tag) bool { return slices.Contains(request.TagKeys, t.Key) })
	return struct{}{}, nil
}

func (s *stepFunctionsEndpoint) listTagsForResource(body []byte) (any, error) {
	var request struct {
		ResourceArn string `json:"resourceArn"`
	}
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	machine, err := s.taggable(request.ResourceArn)
	if err != nil {
		return nil, err
	}
	machine.mu.Lock()
	defer machine.mu.Unlock()
	return map[string]any{"tags": append([]tag{}, machine.tags...)}, nil
}
