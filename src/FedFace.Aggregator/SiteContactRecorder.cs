using FedFace.Core.Security;
using Grpc.Core;

namespace FedFace.Aggregator;

/// <summary>Every call a site makes counts as a sign of life (<see cref="RoundCoordinator.RecordContact"/>), whatever the call.</summary>
public sealed class SiteContactRecorder(RoundCoordinator coordinator) : PerCallInterceptor
{
    protected override void OnCall(ServerCallContext context)
    {
        if (context.GetHttpContext().Connection.ClientCertificate is { } certificate)
        {
            coordinator.RecordContact(FederationTrust.SiteIdOf(certificate));
        }
    }
}
