// Command sdkclientonly is the least a callback worker that reports through
// the AWS SDK must carry: the Step Functions client, built from Lambda's
// environment, sending one SendTaskSuccess. Its zip is the floor under the
// worker's, which cmd/package's tests measure against bundle.ZipBudget. It
// is never deployed.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

func main() {
	credentials := aws.Credentials{AccessKeyID: os.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"), SessionToken: os.Getenv("AWS_SESSION_TOKEN")}
	client := sfn.New(sfn.Options{
		Region: os.Getenv("AWS_REGION"),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return credentials, nil
		}),
	})
	_, err := client.SendTaskSuccess(context.Background(), &sfn.SendTaskSuccessInput{TaskToken: aws.String(os.Getenv("TASK_TOKEN")), Output: aws.String("{}")})
	if err != nil {
		log.Fatal(err)
	}
}
