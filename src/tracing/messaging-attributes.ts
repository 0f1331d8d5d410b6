import type { Attributes } from '@opentelemetry/api';

/**
 * Span attributes after OpenTelemetry's messaging semantic conventions for RabbitMQ
 * (https://opentelemetry.io/docs/specs/semconv/messaging/rabbitmq/): the publish names the
 * exchange it sends to, the run names the queue it was consumed from; both the task's routing key.
 */
export function producerAttributes(exchange: string, task: string, taskId: string): Attributes {
  return {
    'messaging.system': 'rabbitmq',
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'publish',
    'messaging.destination.name': exchange,
    'messaging.rabbitmq.destination.routing_key': task,
    'messaging.message.id': taskId,
    'warren.task': task,
  };
}

export function consumerAttributes(run: { readonly queue: string; readonly task: string; readonly taskId: string; readonly attempt: number }): Attributes {
  return {
    'messaging.system': 'rabbitmq',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': run.queue,
    'messaging.rabbitmq.destination.routing_key': run.task,
    'messaging.message.id': run.taskId,
    'warren.task': run.task,
    'warren.attempt': run.attempt,
  };
}
