#!/bin/sh
# LocalStack ready hook: the campaigns bucket, its queue and dead-letter queue, and the
# bucket → queue notification for campaigns/ — the same shape deploy/aws creates on AWS.
set -eu
awslocal sqs create-queue --queue-name centralita-campaigns-dlq >/dev/null
DLQ_ARN=$(awslocal sqs get-queue-attributes --queue-url http://localhost:4566/000000000000/centralita-campaigns-dlq --attribute-names QueueArn --query Attributes.QueueArn --output text)
awslocal sqs create-queue --queue-name centralita-campaigns --attributes "{\"VisibilityTimeout\":\"120\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$DLQ_ARN\\\",\\\"maxReceiveCount\\\":\\\"5\\\"}\"}" >/dev/null
Q_ARN=$(awslocal sqs get-queue-attributes --queue-url http://localhost:4566/000000000000/centralita-campaigns --attribute-names QueueArn --query Attributes.QueueArn --output text)
awslocal s3 mb s3://centralita-campaigns >/dev/null
awslocal s3api put-bucket-notification-configuration --bucket centralita-campaigns --notification-configuration "{\"QueueConfigurations\":[{\"QueueArn\":\"$Q_ARN\",\"Events\":[\"s3:ObjectCreated:*\"],\"Filter\":{\"Key\":{\"FilterRules\":[{\"Name\":\"prefix\",\"Value\":\"campaigns/\"}]}}}]}"
echo "centralita: bucket, queue, DLQ and notification ready"
