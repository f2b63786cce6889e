using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;
using Platform.Tests.Infrastructure;
using RabbitMQ.Client;
using Shouldly;

namespace Platform.Tests.Faults;

/// <summary>
/// A batch consumer (<see cref="IdempotentBatchConsumer{TContext, TMessage}"/>, with the platform's retry policy) on
/// real RabbitMQ and PostgreSQL, fed one batch with a message in the middle that PostgreSQL refuses: every good message,
/// before and after it, is committed and acknowledged, and the bad one alone lands in the error queue with its reason.
/// </summary>
public sealed class BatchFallbackTests(TestInfrastructure infrastructure) : IAsyncLifetime
{
    private const string Queue = "batch-fallback-probe";
    private const int BadNumber = 4;
    private static readonly int[] Numbers = [1, 2, 3, BadNumber, 5, 6, 7];

    private ThrowawayDatabase _database = null!;
    private Uri _virtualHost = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await ThrowawayDatabase.CreateAsync(infrastructure, "batch_fallback");
        _virtualHost = await infrastructure.CreateVirtualHostAsync($"batch-fallback-{Guid.NewGuid():N}");
        await using var db = new ProbeDbContext(new DbContextOptionsBuilder<ProbeDbContext>()
            .UseNpgsql(_database.ConnectionString).UseSnakeCaseNamingConvention().Options);
        await db.Database.EnsureCreatedAsync();
    }

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task A_bad_message_in_the_middle_of_a_batch_goes_alone_to_the_error_queue_and_the_good_ones_after_it_are_committed()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // The queue is filled before the consumer starts, so the seven messages arrive as one batch.
        await SendAsync(Numbers.Select(n => new Probe(n, n == BadNumber ? "far-too-long-for-its-column" : $"good-{n}")));

        await using var services = new ServiceCollection()
            .AddLogging()
            .AddDbContext<ProbeDbContext>(options => options.UseNpgsql(_database.ConnectionString).UseSnakeCaseNamingConvention())
            .AddMassTransit(bus =>
            {
                bus.DisableUsageTelemetry();
                bus.AddConsumer<ProbeConsumer, IdempotentBatchConsumerDefinition<ProbeConsumer>>();
                bus.UsingRabbitMq((context, rabbit) =>
                {
                    Host(rabbit);
                    rabbit.ReceiveEndpoint(Queue, endpoint =>
                    {
                        endpoint.UseFaultRetry();
                        endpoint.ConfigureConsumer<ProbeConsumer>(context);
                    });
                });
            })
            .BuildServiceProvider();
        var consumerBus = services.GetRequiredService<IBusControl>();
        await consumerBus.StartAsync(cancellationToken);
        try
        {
            var committed = await Eventually.Until(() => _database.ScalarAsync<long>("SELECT count(*) FROM probes"),
                count => count == Numbers.Length - 1, TimeSpan.FromSeconds(30), "the six good messages committed");
            committed.ShouldBe(Numbers.Length - 1);
            (await _database.ScalarAsync<long>($"SELECT count(*) FROM probes WHERE number > {BadNumber}")).ShouldBe(3);
            ProbeConsumer.Batches.ShouldContain(batch => batch.SequenceEqual(Numbers), "the seven messages were one batch");

            var faulted = await Eventually.Until(() => ErrorQueueAsync(), messages => messages.Count > 0, TimeSpan.FromSeconds(30),
                "the bad message in the error queue");
            // Give a wrongly faulted good message time to follow it.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            faulted = [.. faulted, .. await ErrorQueueAsync()];
            var (body, reason) = faulted.ShouldHaveSingleItem();
            body.ShouldContain($"\"number\":{BadNumber}");
            reason.ShouldContain("value too long");
        }
        finally
        {
            await consumerBus.StopAsync(CancellationToken.None);
        }
    }

    private void Host(IRabbitMqBusFactoryConfigurator rabbit)
    {
        var user = _virtualHost.UserInfo.Split(':', 2);
        rabbit.Host(_virtualHost, h =>
        {
            h.Username(Uri.UnescapeDataString(user[0]));
            h.Password(Uri.UnescapeDataString(user[1]));
        });
    }

    /// <summary>Puts the probes on the consumer's queue (declared as MassTransit declares it), as a producer would.</summary>
    private async Task SendAsync(IEnumerable<Probe> probes)
    {
        var factory = new ConnectionFactory { Uri = _virtualHost };
        await using var connection = await factory.CreateConnectionAsync(TestContext.Current.CancellationToken);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            TestContext.Current.CancellationToken);
        await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false,
            cancellationToken: TestContext.Current.CancellationToken);
        foreach (var probe in probes)
        {
            var messageId = Guid.NewGuid().ToString();
            var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
            {
                messageId,
                messageType = new[] { $"urn:message:{typeof(Probe).Namespace}:{nameof(Probe)}" },
                message = probe,
            }, JsonSerializerOptions.Web));
            var properties = new BasicProperties { MessageId = messageId, ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent };
            await channel.BasicPublishAsync("", Queue, mandatory: true, properties, body, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Takes what is in the error queue: each message's body and the fault reason MassTransit put on it.</summary>
    private async Task<List<(string Body, string Reason)>> ErrorQueueAsync()
    {
        var factory = new ConnectionFactory { Uri = _virtualHost };
        await using var connection = await factory.CreateConnectionAsync(TestContext.Current.CancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: TestContext.Current.CancellationToken);
        var messages = new List<(string, string)>();
        try
        {
            while (await channel.BasicGetAsync($"{Queue}_error", autoAck: true, TestContext.Current.CancellationToken) is { } message)
            {
                var reason = message.BasicProperties.Headers?.TryGetValue("MT-Fault-Message", out var value) == true && value is byte[] bytes
                    ? Encoding.UTF8.GetString(bytes)
                    : "";
                messages.Add((Encoding.UTF8.GetString(message.Body.Span), reason));
            }
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // The error queue does not exist until the first fault.
        }
        return messages;
    }
}

public sealed record Probe(int Number, string Label);

public sealed class ProbeRow
{
    public int Number { get; set; }
    public required string Label { get; set; }
}

public sealed class ProbeDbContext(DbContextOptions<ProbeDbContext> options) : PlatformDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<ProbeRow>(probe =>
        {
            probe.ToTable("probes");
            probe.HasKey(p => p.Number);
            probe.Property(p => p.Number).ValueGeneratedNever();
            probe.Property(p => p.Label).HasMaxLength(10);
        });
    }
}

/// <summary>Stores each probe; a label longer than its column is refused by PostgreSQL (22001, not retried).</summary>
public sealed class ProbeConsumer(ProbeDbContext db) : IdempotentBatchConsumer<ProbeDbContext, Probe>(db)
{
    public static ConcurrentQueue<int[]> Batches { get; } = new();

    protected override Task HandleBatchAsync(IReadOnlyList<Delivered<Probe>> messages, CancellationToken cancellationToken)
    {
        Batches.Enqueue([.. messages.Select(m => m.Message.Number)]);
        return base.HandleBatchAsync(messages, cancellationToken);
    }

    protected override Task HandleAsync(Delivered<Probe> context, CancellationToken cancellationToken)
    {
        Db.Set<ProbeRow>().Add(new ProbeRow { Number = context.Message.Number, Label = context.Message.Label });
        return Task.CompletedTask;
    }
}
