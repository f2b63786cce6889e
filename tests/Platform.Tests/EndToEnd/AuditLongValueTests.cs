using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Platform.Contracts;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// A value longer than its audit column is stored cut, ending with a marker and the hash of the whole value, instead of
/// failing the append: one such call used to poison the API-call audit queue and stall the entries of every other client.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class AuditLongValueTests(TwoNodePlatform platform)
{
    private const int SubjectLength = 200;

    [Fact]
    public async Task A_300_character_path_anonymous_and_with_a_token_and_the_calls_after_it_are_all_audited_within_seconds()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = $"/api/catalogue/{marker}";
        path += new string('a', 300 - path.Length);
        var source = LoopbackSource.New();
        using (var anonymous = source.Client(platform.DeptA.Gateway))
        using (var denied = await anonymous.GetAsync(path[1..], TestContext.Current.CancellationToken))
        {
            denied.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        // With a token the call reaches the catalogue, which audits it with the whole path as its subject.
        var publisher = platform.DeptA.RoleClients[Roles.Publisher];
        using var http = await platform.DeptA.HttpAsync(publisher);
        using (var answered = await http.PostAsync(path[1..], JsonContent.Create(new { }), TestContext.Current.CancellationToken))
        {
            ((int)answered.StatusCode).ShouldBeInRange(400, 499);
        }
        var later = Enumerable.Range(0, 3).Select(_ => $"/api/catalogue/records/{Guid.NewGuid()}").ToList();
        foreach (var call in later)
        {
            using var answered = await http.DeleteAsync(call[1..], TestContext.Current.CancellationToken);
        }

        using var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        var suffix = $"…[truncated sha256:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)))}]";
        var cut = path[..(SubjectLength - suffix.Length)] + suffix;
        var within = TimeSpan.FromSeconds(15);
        foreach (var subject in later.Prepend(cut))
        {
            var entries = await Eventually.Until(
                async () => (await auditor.GetJsonAsync($"api/audit/entries?actor={publisher.Id}&subject={Uri.EscapeDataString(subject)}"))
                    .GetProperty("items").GetArrayLength(),
                count => count > 0, within, $"the call to {subject} audited");
            entries.ShouldBe(1);
        }

        var denial = (await GatewayDenialEntries.OfAsync(platform.DeptA, source, items => items.Count > 0, "the anonymous call counted"))
            .ShouldHaveSingleItem();
        GatewayDenialEntries.Samples(denial, "paths").ShouldBe([path[..(SubjectLength - suffix.Length)] + suffix]);
    }
}
