using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MassTransit;
using Platform.Contracts;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Trust;

/// <summary>
/// dept-b, holding only its own broker credentials and node key, tries to speak for dept-a on the exchange. Every attempt
/// must leave dept-a's and dept-c's state as it was, be kept out of every consumer, and be audited at the receiver.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class ForgedMessageTests(TwoNodePlatform platform)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Record_events_claiming_another_departments_record_are_quarantined_and_change_nothing()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var recordId = await flow.PublishAsync("conditional");
        var id = Guid.Parse(recordId);
        await Eventually.Until(() => platform.DeptC.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", [recordId]),
            count => count == 1, Patience, "the record in dept-c's federated catalogue");

        var forged = new RecordMetadata($"OA-{Guid.NewGuid():N}", flow.Fonds, "X-9999", "篡改的标题", "伪造者", new DateOnly(2024, 1, 1), null,
            "permanent", "public", "administrative", [], null, SharingTerms.Unconditional);
        var deptB = platform.Signer("dept-b");
        var (unsigned, signedByB, batch, withdrawn, published) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await TestSigner.PublishAsync(platform.BrokerUri("dept-b"), async bus =>
        {
            var cancel = TestContext.Current.CancellationToken;
            var update = new RecordEventEntry(Guid.NewGuid(), Updated: new RecordUpdated(id, "dept-a", 9999, forged, DateTimeOffset.UtcNow));
            await bus.Publish(new RecordAnnouncementBatch("dept-a", [update]), c => c.MessageId = unsigned, cancel);
            await bus.Publish(new RecordAnnouncementBatch("dept-a", [update]), c => { c.MessageId = signedByB; deptB.Sign(c); }, cancel);
            // dept-b's own batch, carrying an event about dept-a's record.
            await bus.Publish(new RecordAnnouncementBatch("dept-b", [update]), c => { c.MessageId = batch; deptB.Sign(c); }, cancel);
            await bus.Publish(new DirectedRecordAnnouncementBatch("dept-a", "dept-c",
                    [new RecordEventEntry(Guid.NewGuid(), Withdrawn: new RecordWithdrawn(id, "dept-a", 9999, DateTimeOffset.UtcNow))]),
                c => { c.MessageId = withdrawn; deptB.Sign(c); }, cancel);
            await bus.Publish(new RecordAnnouncementBatch("dept-a",
                    [new RecordEventEntry(Guid.NewGuid(), Published: new RecordPublished(Guid.NewGuid(), "dept-a", 1, forged, DateTimeOffset.UtcNow))]),
                c => { c.MessageId = published; deptB.Sign(c); }, cancel);
        });

        foreach (var node in new[] { platform.DeptA, platform.DeptC })
        {
            await RejectedAsync(node, unsigned, "unsigned");
            foreach (var messageId in new[] { signedByB, batch, published }) await RejectedAsync(node, messageId, "wrong-sender");
        }
        await RejectedAsync(platform.DeptC, withdrawn, "wrong-sender");
        using (var scrape = new HttpClient())
        {
            var metrics = await scrape.GetStringAsync(new Uri(platform.DeptA.ServiceUrl("sharing"), "metrics"));
            metrics.ShouldContain("platform_messages_rejected_total{");
            metrics.ShouldContain("reason=\"wrong-sender\"");
        }
        // The operator sees the refusals on the node's overview (the console's services table).
        using var operatorClient = await platform.DeptA.HttpAsync(platform.DeptA.RoleClients[Roles.Operator]);
        var overview = await operatorClient.GetJsonAsync("api/ops/overview");
        overview.GetProperty("services").EnumerateArray()
            .Sum(s => s.GetProperty("messagesRejected") is { ValueKind: JsonValueKind.Number } n ? n.GetDouble() : 0).ShouldBeGreaterThanOrEqualTo(5);

        var sharing = await flow.Owner.GetJsonAsync($"api/sharing/records/{recordId}");
        sharing.GetProperty("sharing").GetString().ShouldBe(SharingTerms.Conditional);
        (await platform.DeptC.CountAsync("catalogue",
                "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids) AND version = 1 AND NOT withdrawn AND title <> '篡改的标题'", [recordId]))
            .ShouldBe(1, "dept-c's copy of dept-a's record is untouched");
        (await platform.DeptC.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE title = '篡改的标题'")).ShouldBe(0);
    }

    [Fact]
    public async Task A_node_entry_not_signed_by_the_authority_cannot_replace_a_departments_key_or_gateway()
    {
        using var impostor = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var entry = new DirectoryEntry("dept-a", "dept-a", "http://127.0.0.1:9/", [
            new NodeKeyEntry("evil", "ES256", Convert.ToBase64String(impostor.ExportSubjectPublicKeyInfo()), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30))],
            DateTimeOffset.UtcNow.AddDays(1));
        var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, JsonSerializerOptions.Web);
        var selfSigned = new SignedDirectoryEntry(Convert.ToBase64String(bytes),
            Convert.ToBase64String(impostor.SignData(bytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)));
        var announcement = new NodeAnnounced("dept-a", selfSigned, DateTimeOffset.UtcNow);
        var (unsigned, signedByB, signedByImpostor) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var impostorSigner = new TestSigner("dept-a", impostor, "evil");
        await TestSigner.PublishAsync(platform.BrokerUri("dept-b"), async bus =>
        {
            var cancel = TestContext.Current.CancellationToken;
            await bus.Publish(announcement, c => c.MessageId = unsigned, cancel);
            await bus.Publish(announcement, c => { c.MessageId = signedByB; platform.Signer("dept-b").Sign(c); }, cancel);
            await bus.Publish(announcement, c => { c.MessageId = signedByImpostor; impostorSigner.Sign(c); }, cancel);
        });

        await RejectedAsync(platform.DeptC, unsigned, "unsigned");
        await RejectedAsync(platform.DeptC, signedByB, "bad-directory-entry");
        await RejectedAsync(platform.DeptC, signedByImpostor, "bad-directory-entry");
        using var http = await platform.DeptC.HttpAsync();
        var nodes = await http.GetJsonAsync("api/sharing/nodes");
        var deptA = nodes.EnumerateArray().Single(n => n.GetProperty("department").GetString() == "dept-a");
        deptA.GetProperty("gatewayUrl").GetString().ShouldBe(platform.DeptA.Gateway.ToString());
        deptA.ToString().ShouldNotContain("evil");
    }

    [Fact]
    public async Task Forged_decisions_revocations_tracking_checkpoints_and_witness_answers_are_quarantined_at_the_receiver()
    {
        var deptB = platform.Signer("dept-b");
        var now = DateTimeOffset.UtcNow;
        var (decided, revoked, tracked, checkpoint, witness, misaddressed) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await TestSigner.PublishAsync(platform.BrokerUri("dept-b"), async bus =>
        {
            var cancel = TestContext.Current.CancellationToken;
            await bus.Publish(new AccessDecided(Guid.NewGuid(), "dept-a", "dept-c", Guid.NewGuid(), SharingTerms.Approved, false, null, "reviewer", now),
                c => { c.MessageId = decided; deptB.Sign(c); }, cancel);
            await bus.Publish(new GrantRevoked(Guid.NewGuid(), Guid.NewGuid(), "dept-a", "dept-c", "forged", "reviewer", now), c => c.MessageId = revoked, cancel);
            await bus.Publish(new AccessRequestTracked(Guid.NewGuid(), "dept-a", "dept-c", TrackedStatus.Rejected, now, null, false, now),
                c => { c.MessageId = tracked; deptB.Sign(c); }, cancel);
            await bus.Publish(new AuditCheckpoint("dept-a", 1, new string('0', 64), now, "k", "pem", "sig"), c => { c.MessageId = checkpoint; deptB.Sign(c); }, cancel);
            await bus.Publish(new WitnessCopiesProvided(Guid.NewGuid(), "dept-a", "dept-c", []), c => { c.MessageId = witness; deptB.Sign(c); }, cancel);
            // Genuinely dept-b's, but signed for dept-a and addressed to dept-c.
            await bus.Publish(new SubmitAccessRequest(Guid.NewGuid(), "dept-c", "dept-b", Guid.NewGuid(), "purpose", [], "someone", now),
                c => { c.MessageId = misaddressed; deptB.Sign(c, destination: "dept-a"); }, cancel);
        });

        await RejectedAsync(platform.DeptC, decided, "wrong-sender");
        await RejectedAsync(platform.DeptC, revoked, "unsigned");
        await RejectedAsync(platform.DeptC, tracked, "wrong-sender");
        await RejectedAsync(platform.DeptA, tracked, "wrong-sender");
        await RejectedAsync(platform.DeptC, checkpoint, "wrong-sender");
        await RejectedAsync(platform.DeptC, witness, "wrong-sender");
        await RejectedAsync(platform.DeptC, misaddressed, "wrong-destination");
        (await platform.DeptC.CountAsync("audit", "SELECT count(*) FROM audit_entries WHERE action LIKE 'request.%' AND details LIKE '%dept-c%' AND department = 'dept-a'"))
            .ShouldBe(0, "no forged request tracking counted");
    }

    [Fact]
    public async Task Messages_signed_outside_the_freshness_window_are_refused_as_stale()
    {
        // A department the authority enrolled two days ago, announced on the exchange (its entry signed by the authority).
        var department = $"dept-o{RandomNumberGenerator.GetHexString(6, true)}";
        var now = DateTimeOffset.UtcNow;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var entry = new DirectoryEntry(department, department, "http://127.0.0.1:9/",
            [new NodeKeyEntry("key-1", "ES256", Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), now.AddDays(-2), now.AddDays(30))], now);
        var signer = new TestSigner(department, key, "key-1");
        await TestSigner.PublishAsync(platform.BrokerUri("dept-b"), bus => bus.Publish(new NodeAnnounced(department, platform.Authority.Keys.Sign(entry), now),
            c => signer.Sign(c), TestContext.Current.CancellationToken));
        using var deptC = await platform.DeptC.HttpAsync();
        await Eventually.Until(() => deptC.GetJsonAsync("api/sharing/nodes"),
            nodes => nodes.EnumerateArray().Any(n => n.GetProperty("department").GetString() == department), Patience, $"{department} in dept-c's directory");

        var metadata = new RecordMetadata($"OA-{Guid.NewGuid():N}", "O001", "O001-2024-Y-0001", "旧消息", "市档案局", new DateOnly(2024, 1, 1), null,
            "permanent", "public", "administrative", [], null, SharingTerms.Unconditional);
        var (old, ahead) = (Guid.NewGuid(), Guid.NewGuid());
        await TestSigner.PublishAsync(platform.BrokerUri("dept-b"), async bus =>
        {
            var cancel = TestContext.Current.CancellationToken;
            await bus.Publish(Announcement(new RecordPublished(Guid.NewGuid(), department, 1, metadata, now)), c => { c.MessageId = old; signer.Sign(c, at: now.AddHours(-2)); }, cancel);
            await bus.Publish(Announcement(new RecordPublished(Guid.NewGuid(), department, 1, metadata, now)), c => { c.MessageId = ahead; signer.Sign(c, at: now.AddHours(1)); }, cancel);
        });
        // dept-c's sharing service learnt the key from the announcement; its other services know only the authority's file.
        await RejectedAsync(platform.DeptC, old, "stale");
        await RejectedAsync(platform.DeptC, ahead, "stale");
    }

    [Fact]
    public async Task After_a_key_rotation_the_new_key_counts_at_once_and_the_old_one_until_the_overlap_ends()
    {
        var department = $"dept-r{RandomNumberGenerator.GetHexString(6, true)}";
        var before = platform.EnrolOutsider(department);
        var rotated = platform.Authority.Keys.Rotate(department, platform.Authority.NodeFolder(department), TimeSpan.FromDays(7));
        using var newKey = ECDsa.Create();
        newKey.ImportFromPem(rotated.NodeKeyPem);
        var after = new TestSigner(department, newKey, rotated.KeyId);
        using var unlisted = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var impostor = new TestSigner(department, unlisted, rotated.KeyId);

        RecordPublished Record() => new(Guid.NewGuid(), department, 1, new RecordMetadata($"OA-{Guid.NewGuid():N}", "R001", "R001-2024-Y-0001",
            "轮换密钥后的记录", "市档案局", new DateOnly(2024, 1, 1), null, "permanent", "public", "administrative", [], null, SharingTerms.Unconditional), DateTimeOffset.UtcNow);
        var (byNew, byOld, byImpostor) = (Record(), Record(), Record());
        var forged = Guid.NewGuid();
        await platform.PublishAsAsync("dept-b", async bus =>
        {
            var cancel = TestContext.Current.CancellationToken;
            await bus.Publish(Announcement(byNew), c => after.Sign(c), cancel);
            await bus.Publish(Announcement(byOld), c => before.Sign(c), cancel);
            await bus.Publish(Announcement(byImpostor), c => { c.MessageId = forged; impostor.Sign(c); }, cancel);
        });

        string[] accepted = [byNew.RecordId.ToString(), byOld.RecordId.ToString()];
        await Eventually.Until(() => platform.DeptA.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", accepted),
            count => count == 2, Patience, "both records at dept-a, signed with the new key and with the old one");
        await RejectedAsync(platform.DeptA, forged, "bad-signature");
        (await platform.DeptA.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", [byImpostor.RecordId.ToString()]))
            .ShouldBe(0);
    }

    [Fact]
    public async Task A_genuine_message_captured_and_published_again_is_refused_as_a_replay()
    {
        // dept-b listens in its own vhost, as any department can, and keeps a copy of dept-a's next record events.
        var broker = platform.BrokerUri("dept-b");
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = broker };
        var cancel = TestContext.Current.CancellationToken;
        await using var connection = await factory.CreateConnectionAsync(cancel);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancel);
        var tap = (await channel.QueueDeclareAsync($"tap-{Guid.NewGuid():N}", durable: false, exclusive: true, autoDelete: true, cancellationToken: cancel)).QueueName;
        await channel.QueueBindAsync(tap, "broadcast.record-announcement-batch", "", cancellationToken: cancel);

        using var http = await platform.DeptA.HttpAsync();
        var record = Records.Valid();
        using var pushed = await http.PostJsonAsync("api/catalogue/records", record);
        var recordId = (await pushed.ReadJsonAsync()).GetProperty("id").GetString()!;
        var captured = await Eventually.Until(async () => await channel.BasicGetAsync(tap, autoAck: true, cancel),
            got => got is not null && Encoding.UTF8.GetString(got.Body.Span).Contains(recordId, StringComparison.Ordinal), Patience, "dept-a's event in dept-b's vhost");
        await Eventually.Until(() => platform.DeptB.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", [recordId]),
            count => count == 1, Patience, "the record at dept-b");

        // Published again from dept-b's vhost, stripped of the marks the exchange left on it.
        var properties = new RabbitMQ.Client.BasicProperties(captured!.BasicProperties);
        properties.Headers = properties.Headers!.Where(h => !h.Key.StartsWith("x-", StringComparison.Ordinal)).ToDictionary(h => h.Key, h => h.Value);
        await channel.BasicPublishAsync("broadcast.record-announcement-batch", "", mandatory: false, properties, captured.Body, cancel);

        var messageId = Guid.Parse(captured.BasicProperties.MessageId!);
        await RejectedAsync(platform.DeptB, messageId, "replayed");
        await RejectedAsync(platform.DeptA, messageId, "replayed");
        (await platform.DeptA.CountAsync("audit", "SELECT count(*) FROM audit_entries WHERE action = 'record.published' AND subject = ANY(@ids)", [recordId]))
            .ShouldBe(1);
    }

    [Fact]
    public async Task A_departments_broker_credentials_open_neither_another_departments_vhost_nor_the_hub()
    {
        var deptB = platform.BrokerUri("dept-b");
        var credentials = deptB.UserInfo.Split(':', 2).Select(Uri.UnescapeDataString).ToArray();
        foreach (var vhost in new[] { platform.VirtualHostOf("dept-a"), platform.HubVirtualHost })
        {
            var factory = new RabbitMQ.Client.ConnectionFactory
            {
                HostName = deptB.Host, Port = deptB.Port, UserName = credentials[0], Password = credentials[1], VirtualHost = vhost,
            };
            // The broker refuses the connection's vhost (sometimes only once the first channel is opened).
            var refused = await Should.ThrowAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(async () =>
            {
                await using var connection = await factory.CreateConnectionAsync(TestContext.Current.CancellationToken);
                await using var channel = await connection.CreateChannelAsync(cancellationToken: TestContext.Current.CancellationToken);
            });
            refused.Message.ShouldContain($"access to vhost '{vhost}' refused");
        }
        // The same credentials do open dept-b's own vhost.
        var own = new RabbitMQ.Client.ConnectionFactory { Uri = deptB };
        await (await own.CreateConnectionAsync(TestContext.Current.CancellationToken)).DisposeAsync();
    }

    [Fact]
    public async Task A_department_binding_another_departments_routing_key_in_its_own_vhost_receives_nothing()
    {
        // dept-c asks its own broker for everything addressed to dept-b.
        var cancel = TestContext.Current.CancellationToken;
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = platform.BrokerUri("dept-c") };
        await using var connection = await factory.CreateConnectionAsync(cancel);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancel);
        await channel.ExchangeDeclareAsync("directed", "topic", durable: true, autoDelete: false, cancellationToken: cancel);
        var spy = (await channel.QueueDeclareAsync($"spy-{Guid.NewGuid():N}", durable: false, exclusive: true, autoDelete: true, cancellationToken: cancel)).QueueName;
        await channel.QueueBindAsync(spy, "directed", "dept-b.#", cancellationToken: cancel);
        await channel.QueueBindAsync(spy, "directed", "dept-a.#", cancellationToken: cancel);

        await using var flow = await SharingFlow.StartAsync(platform);
        var recordId = await flow.PublishAsync("unconditional");
        var request = (await flow.RequestAsync(recordId)).GetProperty("id").GetString()!;
        await flow.GrantIdAsync(request);

        (await channel.MessageCountAsync(spy, cancel)).ShouldBe(0u, "dept-c received none of what dept-a and dept-b sent each other");
        using var deptC = await platform.DeptC.HttpAsync();
        using var response = await deptC.GetAsync($"api/sharing/requests/{request}", cancel);
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
    }

    /// <summary>Waits for <paramref name="node"/>'s audit log to hold the refusal of <paramref name="messageId"/> with <paramref name="reason"/>.</summary>
    private static Task<long> RejectedAsync(PlatformNode node, Guid messageId, string reason) =>
        Eventually.Until(() => node.CountAsync("audit",
                "SELECT count(*) FROM audit_entries WHERE action = 'message.rejected' AND subject = ANY(@ids) AND details::jsonb->>'reason' = '" + reason + "'",
                [messageId.ToString()]),
            count => count > 0, Patience, $"{node.Id} to audit message {messageId} as rejected ({reason})");

    private static RecordAnnouncementBatch Announcement(RecordPublished record) => new(record.Department, [new RecordEventEntry(Guid.NewGuid(), Published: record)]);
}
