using FedFace.Aggregator.Sites;
using FedFace.Core.Security;
using Grpc.Core;

namespace FedFace.Aggregator;

/// <summary>Every call a site makes (an operator's are not a site's) counts as a sign of life (<see cref="SiteRegistry.RecordContact"/>), whatever the call.</summary>
public sealed class SiteContactRecorder(SiteRegistry sites) : PerCallInterceptor
{
    protected override void OnCall(ServerCallContext context)
    {
        if (SiteIdentity.SiteCertificateOf(context) is { } certificate)
        {
            sites.RecordContact(FederationTrust.SiteIdOf(certificate));
        }
    }
}
