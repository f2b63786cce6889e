using System.Net;
using Platform.Contracts;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Trust;

/// <summary>
/// dept-c's node signs its messages with an SM2/SM3 message key while dept-a and dept-b sign with ES256: the exchange
/// carries both, and each receiver verifies with whichever key the authority's entry names.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class Sm2NodeTests(TwoNodePlatform platform)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_record_announced_by_the_sm2_node_is_signed_with_its_sm2_key_and_accepted_by_the_es256_nodes()
    {
        var department = TwoNodePlatform.SmDepartment;
        var tap = await platform.Infrastructure.TapAsync(platform.VirtualHostOf("dept-a"), "broadcast.record-announcement-batch");
        using var http = await platform.Node(department).HttpAsync();
        using var response = await http.PostJsonAsync("api/catalogue/records", Records.Valid());
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var recordId = (await response.ReadJsonAsync()).GetProperty("id").GetString()!;

        foreach (var receiver in new[] { platform.DeptA, platform.DeptB })
        {
            await Eventually.Until(() => receiver.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", [recordId]),
                count => count == 1, Patience, $"dept-c's record in {receiver.Id}'s federated catalogue");
        }

        var crossed = (await platform.Infrastructure.TakeMessagesAsync(platform.VirtualHostOf("dept-a"), tap))
            .Where(m => m.Payload.Contains(recordId, StringComparison.Ordinal)).ToList();
        crossed.ShouldNotBeEmpty();
        var enrolment = platform.Enrolment(department);
        enrolment.MessageKeyId.ShouldNotBeNull();
        foreach (var message in crossed)
        {
            message.Header("platform-signer").ShouldBe(department);
            message.Header("platform-key-id").ShouldBe(enrolment.MessageKeyId, "signed with the SM2 message key, not the ES256 node key");
        }
    }
}
