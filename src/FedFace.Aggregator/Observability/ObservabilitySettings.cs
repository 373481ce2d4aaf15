using System.Net;

namespace FedFace.Aggregator.Observability;

/// <summary>How OTLP data is sent: gRPC (usually port 4317) or HTTP with protobuf bodies (usually port 4318).</summary>
public enum OtlpProtocol
{
    Grpc,
    HttpProtobuf,
}

/// <summary>
/// Health probes, metrics and traces (section Aggregator:Observability). The management port serves /healthz
/// (liveness), /readyz (readiness, from the same checks as gRPC health) and /metrics (Prometheus) over plain HTTP, with
/// no client certificate: keep it on 127.0.0.1 (the default) or on a network only probes and scrapers reach. The gRPC port
/// never serves these, and the management port serves nothing else.
/// </summary>
public sealed class ObservabilitySettings
{
    /// <summary>Serve the management port; false: no /healthz, /readyz or /metrics (gRPC health still answers).</summary>
    public bool ManagementEnabled { get; set; } = true;
    /// <summary>The IP address the management port listens on: 127.0.0.1 (this machine only) by default; 0.0.0.0 for probes from elsewhere.</summary>
    public string ManagementListenAddress { get; set; } = "127.0.0.1";
    /// <summary>The management port (plain HTTP/1.1); 0 picks a free port (tests, simulator), logged at start-up.</summary>
    public int ManagementPort { get; set; } = 9464;
    /// <summary>An OpenTelemetry collector to send traces and metrics to (e.g. http://localhost:4317); unset: nothing is exported.</summary>
    public string? OtlpEndpoint { get; set; }
    /// <summary>How OtlpEndpoint is spoken to: Grpc, or HttpProtobuf (traces then go to /v1/traces and metrics to /v1/metrics under it).</summary>
    public OtlpProtocol OtlpProtocol { get; set; } = OtlpProtocol.Grpc;
    /// <summary>How often metrics are pushed to OtlpEndpoint; the Prometheus endpoint is read when scraped.</summary>
    public int OtlpMetricsIntervalSeconds { get; set; } = 60;

    /// <summary>The collector's address, or null when nothing is exported.</summary>
    public Uri? OtlpUri => string.IsNullOrWhiteSpace(OtlpEndpoint) ? null : new Uri(OtlpEndpoint, UriKind.Absolute);

    /// <summary>Every problem with these settings, as sentences naming the key under <paramref name="section"/>.</summary>
    /// <param name="grpcPort">Aggregator:Port, which the management port must not take.</param>
    public IEnumerable<string> Problems(string section, int grpcPort)
    {
        if (ManagementEnabled)
        {
            if (!IPAddress.TryParse(ManagementListenAddress, out _))
            {
                yield return $"{section}:ManagementListenAddress must be an IP address (127.0.0.1 for this machine only), got '{ManagementListenAddress}'";
            }
            if (ManagementPort is < 0 or > 65535)
            {
                yield return $"{section}:ManagementPort must be 0..65535, got {ManagementPort}";
            }
            else if (ManagementPort != 0 && ManagementPort == grpcPort)
            {
                yield return $"{section}:ManagementPort ({ManagementPort}) must differ from Aggregator:Port: the gRPC port serves mutual TLS only";
            }
        }
        if (!string.IsNullOrWhiteSpace(OtlpEndpoint)
            && !(Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out Uri? otlp) && otlp.Scheme is "http" or "https"))
        {
            yield return $"{section}:OtlpEndpoint must be an absolute http or https address (e.g. http://localhost:4317), got '{OtlpEndpoint}'";
        }
        if (OtlpMetricsIntervalSeconds < 1)
        {
            yield return $"{section}:OtlpMetricsIntervalSeconds must be at least 1, got {OtlpMetricsIntervalSeconds}";
        }
    }
}
