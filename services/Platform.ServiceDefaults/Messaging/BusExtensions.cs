using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.ServiceDefaults.Trust;

namespace Platform.ServiceDefaults.Messaging;

public static class BusExtensions
{
    /// <summary>
    /// MassTransit on RabbitMQ (ConnectionStrings:RabbitMq, an amqp:// URI): node-prefixed quorum queues,
    /// publisher confirms, explicit retries, and a readiness check. Consumers are registered by <paramref name="configure"/>;
    /// <paramref name="transport"/> adds RabbitMQ topology (e.g. direct exchanges for messages routed to one department).
    /// </summary>
    public static WebApplicationBuilder AddServiceBus(this WebApplicationBuilder builder, string serviceName, NodeOptions node,
        Action<IBusRegistrationConfigurator>? configure = null, Action<IRabbitMqBusFactoryConfigurator>? transport = null)
    {
        var broker = new Uri(builder.Configuration.RequiredConnectionString("RabbitMq"));
        var formatter = new NodeEndpointNameFormatter(node.Id, serviceName);
        var errorQueues = new ErrorQueues(broker, $"{node.Id}.{serviceName}.operator");
        builder.Services.AddSingleton(errorQueues);
        builder.AddTrust(serviceName);

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(formatter);
            // A government node does not report to third parties: MassTransit's usage report (versions, OS, time zone)
            // to usage-tracking.masstransit.io is off.
            bus.DisableUsageTelemetry();
            configure?.Invoke(bus);
            bus.AddPublishObserver<MessageSigningObserver>();

            bus.AddConfigureEndpointsCallback((context, name, endpoint) =>
            {
                errorQueues.AddInputQueue(name);
                // Messages that leave a department are signed on the way out (MessageSigningObserver) and verified here
                // before any consumer, saga or batch sees them.
                endpoint.UseFilter(new MessageVerificationFilter(context.GetRequiredService<MessageVerification>()));
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.SetQuorumQueue();
                }
                endpoint.UseFaultRetry();
            });

            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(broker.Host, (ushort)(broker.IsDefaultPort ? 5672 : broker.Port), VirtualHost(broker), host =>
                {
                    var (user, password) = Credentials(broker);
                    host.Username(user);
                    host.Password(password);
                    host.PublisherConfirmation = true;
                    host.ConnectionName($"{node.Id}.{serviceName}");
                });
                // MassTransit writes its JSON indented by default: a run of 100 record events is then mostly indentation,
                // which every service of every node reads past (Utf8JsonReader.SkipWhiteSpace was the costliest JSON
                // function in the event consumers, perf) and the broker stores. Readers accept either form.
                rabbit.ConfigureJsonSerializerOptions(options =>
                {
                    options.WriteIndented = false;
                    return options;
                });
                CrossingMessages.ConfigureTopology(rabbit);
                transport?.Invoke(rabbit);
                rabbit.ConfigureEndpoints(context);
            });
        });

        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            // Start even while the broker is down: the outbox keeps events, readiness reports the broker.
            options.WaitUntilStarted = false;
            options.StopTimeout = TimeSpan.FromSeconds(30);
        });
        return builder;
    }

    /// <summary>
    /// Faults are retried in place with growing pauses, about 3 minutes in all: long enough to ride out a database or
    /// broker restart. A message that cannot be read, or whose data PostgreSQL refuses (SQLSTATE class 22: a value too
    /// long, a NUL character, a number out of range), is not retried: it would fail the same way every time. What still
    /// fails goes to the endpoint's _error queue with the reason, for operators to inspect and move back.
    /// </summary>
    public static void UseFaultRetry(this IReceiveEndpointConfigurator endpoint) =>
        endpoint.UseMessageRetry(retry =>
        {
            retry.Exponential(10, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
            retry.Ignore<System.Text.Json.JsonException>();
            retry.Ignore<NotSupportedException>();
            retry.Ignore<PostgresException>(e => e.SqlState.StartsWith("22", StringComparison.Ordinal));
            retry.Ignore<DbUpdateException>(e => e.InnerException is PostgresException p && p.SqlState.StartsWith("22", StringComparison.Ordinal));
        });

    private static string VirtualHost(Uri broker)
    {
        var path = Uri.UnescapeDataString(broker.AbsolutePath.TrimStart('/'));
        return path.Length == 0 ? "/" : path;
    }

    private static (string User, string Password) Credentials(Uri broker)
    {
        var parts = broker.UserInfo.Split(':', 2);
        return parts.Length == 2
            ? (Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1]))
            : ("guest", "guest");
    }
}
