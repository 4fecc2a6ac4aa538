package tests

import (
	"regexp"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// arnPartition matches the partition of every ARN in a string, including
// the ARNs inside JSON policies and definitions.
var arnPartition = regexp.MustCompile(`arn:([a-z-]*):`)

// TestEveryARNIsInTheStacksPartition deploys into AWS China and GovCloud
// under mocks: every ARN the program writes anywhere (policies, trust
// conditions, definitions, their integrations) names the partition the
// provider reports, none the commercial one.
func TestEveryARNIsInTheStacksPartition(t *testing.T) {
	for _, partition := range []string{"aws-cn", "aws-us-gov"} {
		t.Run(partition, func(t *testing.T) {
			d, err := deployWith(t, &mocks{partition: partition}, nil)
			require.NoError(t, err)
			arns := 0
			for _, r := range d.resources {
				for _, text := range stringsIn(resource.NewObjectProperty(r.Inputs)) {
					for _, match := range arnPartition.FindAllStringSubmatch(text, -1) {
						arns++
						assert.Equal(t, partition, match[1], "%s %s: %s", r.Type, r.Name, text)
					}
				}
			}
			assert.Positive(t, arns)
			assert.Contains(t, d.one(t, stateMachineType, "main").str("definition"), "arn:"+partition+":states:::lambda:invoke")
		})
	}
}

// stringsIn lists every string inside a property value.
func stringsIn(value resource.PropertyValue) []string {
	switch {
	case value.IsString():
		return []string{value.StringValue()}
	case value.IsArray():
		var all []string
		for _, element := range value.ArrayValue() {
			all = append(all, stringsIn(element)...)
		}
		return all
	case value.IsObject():
		var all []string
		for _, element := range value.ObjectValue() {
			all = append(all, stringsIn(element)...)
		}
		return all
	}
	return nil
}
