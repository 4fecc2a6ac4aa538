package localrun

import (
	"encoding/base64"
	"encoding/json"
)

// Paging for ListStateMachines, ListExecutions and GetExecutionHistory:
// maxResults items at most (0 or none means defaultPageSize), and a
// nextToken while more follow. A token is opaque to clients; it names the
// list it belongs to and the position of the last item returned, so a page
// stays right while the list grows, and any other token is InvalidToken.

// defaultPageSize is the model's documented default for maxResults.
const defaultPageSize = 100

type pageRequest struct {
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

type pageToken struct {
	List  string `json:"list"`
	After int    `json:"after"`
}

// pageOf is the page of items that request asks for. items are in the
// order the response lists them, list names the listing (the operation
// and every request member that changes what it holds), position is an
// item's place in a stable order, and past says whether an item comes
// after the position a token holds.
func pageOf[T any](list string, request pageRequest, items []T, position func(T) int, past func(T, int) bool) (page []T, nextToken string, err error) {
	start := 0
	if request.NextToken != "" {
		after, err := decodePageToken(list, request.NextToken)
		if err != nil {
			return nil, "", err
		}
		for start < len(items) && !past(items[start], after) {
			start++
		}
	}
	size := request.MaxResults
	if size == 0 {
		size = defaultPageSize
	}
	end := min(start+size, len(items))
	page = append([]T{}, items[start:end]...) // never null: lists are required members
	if end < len(items) {
		token, _ := json.Marshal(pageToken{List: list, After: position(items[end-1])}) // a string and an int always marshal
		nextToken = base64.RawURLEncoding.EncodeToString(token)
	}
	return page, nextToken, nil
}

func decodePageToken(list, token string) (after int, err error) {
	invalid := apiErrorf("InvalidToken", "Invalid Token: '%s' is not a nextToken this operation returned for these arguments", token)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, invalid
	}
	var decoded pageToken
	if json.Unmarshal(raw, &decoded) != nil || decoded.List != list {
		return 0, invalid
	}
	return decoded.After, nil
}
