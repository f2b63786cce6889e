using System.Net;
using System.Security.Cryptography;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>E-mail subscriptions, delivered through a real SMTP server started by the test.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class EmailNotificationTests(TwoNodePlatform platform)
{
    [Fact]
    public async Task Email_subscription_sends_a_utf8_message_with_the_chinese_title_in_subject_and_body()
    {
        await using var smtp = new SmtpReceiver(PlatformNode.SmtpPort);
        var fonds = $"E{RandomNumberGenerator.GetHexString(6)}";
        var recipient = $"archives-{RandomNumberGenerator.GetHexString(6, true)}@dept-b.test";
        using var deptB = await platform.DeptB.HttpAsync();
        using var subscribed = await deptB.PostJsonAsync("api/notify/subscriptions",
            new { channel = "email", email = recipient, eventTypes = new[] { "record.published" }, filters = new { fonds = new[] { fonds } } });
        subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());
        var subscription = (await subscribed.ReadJsonAsync()).GetProperty("id").GetString();

        var title = $"关于做好2024年度档案移交进馆工作的通知（第{RandomNumberGenerator.GetInt32(1, 999)}号）";
        var record = Records.Valid(title);
        record["fondsCode"] = fonds;
        record["archivalCode"] = $"{fonds}-2024-Y-1";
        using var deptA = await platform.DeptA.HttpAsync();
        using var pushed = await deptA.PostJsonAsync("api/catalogue/records", record);
        pushed.StatusCode.ShouldBe(HttpStatusCode.Created, await pushed.Content.ReadAsStringAsync());
        var id = (await pushed.ReadJsonAsync()).GetProperty("id").GetString()!;

        var message = await smtp.WaitForAsync(m => m.To.Mailboxes.Any(a => a.Address == recipient), TimeSpan.FromSeconds(60), "the e-mail");
        message.Subject!.ShouldContain(title);
        message.Subject.ShouldStartWith("[record.published]");
        message.From.Mailboxes.Single().Address.ShouldBe("notification@dept-b.test");
        message.From.Mailboxes.Single().Name.ShouldBe("档案信息资源共享平台");
        var body = message.TextBody!;
        body.ShouldContain(title);
        body.ShouldContain(id);
        body.ShouldContain("市档案局办公室");
        var part = (MimeKit.TextPart)message.BodyParts.Single();
        part.ContentType.Charset.ShouldBe("utf-8");
        // The subject travels RFC 2047-encoded (the server offers no SMTPUTF8), never as raw 8-bit bytes.
        var rawSubject = System.Text.Encoding.Latin1.GetString(message.Headers.First(h => h.Id == MimeKit.HeaderId.Subject).RawValue);
        rawSubject.ShouldContain("=?utf-8?", Case.Insensitive);
        rawSubject.ShouldAllBe(c => c < 128);
        smtp.Messages.Count(m => m.To.Mailboxes.Any(a => a.Address == recipient)).ShouldBe(1);

        var history = await Eventually.Until(() => deptB.GetJsonAsync($"api/notify/subscriptions/{subscription}/deliveries"),
            h => h.GetArrayLength() == 1 && h[0].GetProperty("status").GetString() == "delivered", TimeSpan.FromSeconds(30), "the e-mail recorded as delivered");
        history[0].GetProperty("attempts").GetInt32().ShouldBe(1);

        using var invalid = await deptB.PostJsonAsync("api/notify/subscriptions",
            new { channel = "email", email = "not an address", url = "http://127.0.0.1/", eventTypes = new[] { "record.published" } });
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await invalid.ReadJsonAsync()).GetProperty("errors");
        errors.TryGetProperty("email", out _).ShouldBeTrue();
        errors.TryGetProperty("url", out _).ShouldBeTrue();
    }
}
