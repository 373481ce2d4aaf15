using Grpc.Core;

namespace FedFace.Aggregator.SecureAggregation;

/// <summary>Every call a site makes leaves its client certificate in <see cref="SiteCertificates"/>, so a sampled site's is known when a secure round opens.</summary>
public sealed class SiteCertificateRecorder(SiteCertificates certificates) : PerCallInterceptor
{
    protected override void OnCall(ServerCallContext context)
    {
        if (SiteIdentity.SiteCertificateOf(context) is { } certificate)
        {
            certificates.Remember(certificate);
        }
    }
}
