using FedFace.Aggregator.Observability;

namespace FedFace.Aggregator.Tests;

/// <summary>Aggregator:Observability: its defaults (probes on this machine only, nothing exported) and its refusals.</summary>
public sealed class ObservabilitySettingsTests
{
    [Fact]
    public void By_default_the_management_port_is_9464_on_loopback_and_nothing_is_exported()
    {
        ObservabilitySettings settings = new AggregatorOptions().Observability;

        Assert.Equal((true, "127.0.0.1", 9464), (settings.ManagementEnabled, settings.ManagementListenAddress, settings.ManagementPort));
        Assert.Null(settings.OtlpUri);
        Assert.Empty(settings.Problems("Aggregator:Observability", grpcPort: 7443));
    }

    [Theory]
    [InlineData("localhost", 9464, null, "Aggregator:Observability:ManagementListenAddress must be an IP address")]
    [InlineData("127.0.0.1", 70000, null, "Aggregator:Observability:ManagementPort must be 0..65535, got 70000")]
    [InlineData("127.0.0.1", 7443, null, "Aggregator:Observability:ManagementPort (7443) must differ from Aggregator:Port")]
    [InlineData("127.0.0.1", 9464, "collector:4317", "Aggregator:Observability:OtlpEndpoint must be an absolute http or https address")]
    [InlineData("127.0.0.1", 9464, "ftp://collector:4317", "Aggregator:Observability:OtlpEndpoint must be an absolute http or https address")]
    public void A_bad_setting_is_refused_by_name(string address, int port, string? otlp, string expected)
    {
        var options = new AggregatorOptions { Port = 7443 };
        options.Observability.ManagementListenAddress = address;
        options.Observability.ManagementPort = port;
        options.Observability.OtlpEndpoint = otlp;

        Assert.Contains(options.Problems(), p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_management_port_that_is_off_is_not_checked()
    {
        var settings = new ObservabilitySettings { ManagementEnabled = false, ManagementListenAddress = "nowhere", ManagementPort = 7443 };

        Assert.Empty(settings.Problems("Aggregator:Observability", grpcPort: 7443));
    }
}
