using System.Net;
using Microsoft.Extensions.Options;
using Platform.Notification.Model;
using Shouldly;

namespace Platform.Tests.Unit;

public sealed class WebhookTargetGuardTests
{
    private static readonly WebhookTargetGuard Strict = new(Options.Create(new WebhookOptions()));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Private_loopback_and_link_local_addresses_are_not_public(string address) =>
        WebhookTargetGuard.IsPublic(IPAddress.Parse(address)).ShouldBeFalse();

    [Theory]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("64:ff9b:1::a00:1")]
    [InlineData("64:ff9b:1:ffff::1")]
    [InlineData("2002:7f00:1::1")]
    [InlineData("2002:808:808::1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.19.255.254")]
    [InlineData("::ffff:198.18.0.1")]
    public void NAT64_6to4_and_benchmarking_addresses_are_not_public(string address) =>
        WebhookTargetGuard.IsPublic(IPAddress.Parse(address)).ShouldBeFalse();

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.1")]
    [InlineData("2003::1")]
    [InlineData("2001:4860:4860::8888")]
    public void Public_addresses_are_public(string address) =>
        WebhookTargetGuard.IsPublic(IPAddress.Parse(address)).ShouldBeTrue();

    [Theory]
    [InlineData("ftp://example.org/hook")]
    [InlineData("file:///etc/passwd")]
    [InlineData("not a url")]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://user:pw@8.8.8.8/hook")]
    public async Task Unsafe_webhook_urls_are_refused_with_a_reason(string url) =>
        (await Strict.CheckAsync(url, CancellationToken.None)).ShouldNotBeNullOrWhiteSpace();

    [Fact]
    public async Task A_NAT64_literal_of_a_private_address_is_refused_as_a_webhook_target() =>
        (await Strict.CheckAsync("http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", CancellationToken.None)).ShouldNotBeNullOrWhiteSpace();

    [Fact]
    public void The_webhook_handler_ignores_proxy_settings()
    {
        using var handler = Strict.CreateHandler();
        handler.UseProxy.ShouldBeFalse();
    }

    [Fact]
    public async Task Loopback_is_allowed_only_when_the_node_allows_private_targets()
    {
        var permissive = new WebhookTargetGuard(Options.Create(new WebhookOptions { AllowPrivateTargets = true }));
        (await permissive.CheckAsync("http://127.0.0.1:8080/hook", CancellationToken.None)).ShouldBeNull();
    }
}
