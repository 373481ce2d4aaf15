using System.Security.Authentication;
using FedFace.Transport;
using Grpc.Core;

namespace FedFace.Client;

/// <summary>What ended a site's run, as the one line its operator reads before the process exits non-zero.</summary>
public static class SiteFailure
{
    public static string Describe(Exception fault, SiteOptions site)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentNullException.ThrowIfNull(site);
        if (fault is FatalSiteException)
        {
            return fault.Message;
        }
        if (FaultText.Causes(fault).OfType<AuthenticationException>().FirstOrDefault() is { } refused)
        {
            return $"the TLS handshake with the aggregator at {site.AggregatorUrl} failed: {FaultText.OneLine(refused)}";
        }
        if (fault is RpcException rpc)
        {
            // Only a transient fault that outlasted the give-up time gets out of the retry pipeline.
            return TransientFaults.IsTransient(rpc)
                ? $"the aggregator at {site.AggregatorUrl} stayed unreachable for more than Site:GiveUpAfterSeconds ({site.GiveUpAfterSeconds:G} s): {FaultText.OneLine(rpc)}"
                : $"the aggregator at {site.AggregatorUrl} refused the site: {rpc.StatusCode}: {FaultText.OneLine(rpc.Status.Detail)}";
        }
        return FaultText.OneLine(fault);
    }
}
