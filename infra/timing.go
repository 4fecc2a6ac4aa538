package infra

import (
	"errors"
	"fmt"
	"slices"

	"stepfunctions-go/statemachine"
)

// expressMaxSeconds is how long an Express execution may run, whatever
// its TimeoutSeconds (Step Functions Developer Guide, "Choosing workflow
// type": five minutes).
const expressMaxSeconds = 300

// checkTiming holds the values that only matter together, for the
// workflows the configuration deploys, before any resource is declared.
// Every Task is read from the workflow files, so a new one is checked
// without an edit here:
//   - each workflow's TimeoutSeconds against the worst case of its path with
//     the configured function timeout (statemachine.Template.CheckDuration);
//   - each queue's consumer: batch size, batching window, worker timeout and
//     visibility timeout against each other (consumer.check);
//   - each Task that sends a task token to a queue: how long it waits
//     without a heartbeat against how long a failed delivery takes to come
//     back (see quietEnough).
//
// It returns what is wrong as one error, and as warnings what AWS will
// enforce on its own: an Express execution stopped at five minutes.
func checkTiming(project string, cfg Config, workflows ...*statemachine.Workflow) (warnings []string, err error) {
	var errs []error
	functionTimeout := fmt.Sprintf("config %s:lambdaTimeoutSeconds = %d", project, cfg.LambdaTimeoutSeconds)
	for _, workflow := range workflows {
		if workflow == nil {
			continue // left out by the configuration
		}
		if err := workflow.CheckDuration(cfg.LambdaTimeoutSeconds); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", functionTimeout, err))
		} else if worst, _, _ := workflow.WorstCase(cfg.LambdaTimeoutSeconds); cfg.WorkflowType == "EXPRESS" && worst > expressMaxSeconds {
			warnings = append(warnings, fmt.Sprintf("workflow %q: with workflowType EXPRESS and lambdaTimeoutSeconds %d its worst case is %d s, beyond the %d s an Express execution may run: an execution that retries that long ends in States.Timeout",
				workflow.Name, cfg.LambdaTimeoutSeconds, worst, expressMaxSeconds))
		}
		for _, queue := range workflow.Queues {
			c := newConsumer(cfg.LambdaTimeoutSeconds)
			if err := c.check(); err != nil {
				errs = append(errs, fmt.Errorf("%s: the %s queue: %w", functionTimeout, queue.Name, err))
			}
			for _, task := range workflow.Tasks {
				if task.QueueURL == "${"+queue.URLPlaceholder+"}" && task.WaitsForToken() {
					errs = append(errs, quietEnough(workflow.Name, task, queue.Name, c, functionTimeout))
				}
			}
		}
	}
	return warnings, errors.Join(slices.DeleteFunc(errs, func(err error) bool { return err == nil })...)
}

// quietEnough holds a Task that waits for a task token to outwait a failed
// delivery. The worker heartbeats when it picks a message up; a delivery
// that fails before that leaves the message invisible for the visibility
// timeout, and its next delivery may take the batching window and the
// worker's timeout to heartbeat (consumer.redeliverySeconds). A Task that
// gives up sooner (HeartbeatSeconds, or TimeoutSeconds without one) fails
// the execution with States.HeartbeatTimeout while SQS still holds a
// delivery for it, so the redrive policy's further receives can never help.
func quietEnough(workflow string, task statemachine.Task, queue string, c consumer, setting string) error {
	if task.QuietSeconds() > c.redeliverySeconds() {
		return nil
	}
	return fmt.Errorf("%s: Task %q of workflow %q waits %d s without a heartbeat, not longer than a failed delivery of the %s queue takes to come back: the visibility timeout of %d s + the batching window of %d s + the worker's timeout of %d s = %d s; give it a HeartbeatSeconds (or, without one, a TimeoutSeconds) of at least %d, or lower lambdaTimeoutSeconds",
		setting, task.Name, workflow, task.QuietSeconds(), queue, c.VisibilityTimeoutSeconds, c.BatchingWindowSeconds, c.FunctionTimeoutSeconds, c.redeliverySeconds(), c.redeliverySeconds()+1)
}
