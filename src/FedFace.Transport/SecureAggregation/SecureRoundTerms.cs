using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Privacy;
using FedFace.Core.SecureAggregation;
using FedFace.Core.Security;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Transport.SecureAggregation;

/// <summary>
/// A secure round task as a site accepts it: a safe configuration for this round that includes the site, and the
/// sampled sites' certificate keys — each certificate checked against the federation CA, so the aggregator cannot
/// pass off keys of its own as a neighbour's.
/// </summary>
/// <param name="Privacy">The round's DP instructions, null without DP; the configuration was checked to carry them unchanged.</param>
public sealed record SecureRoundTerms(RoundConfiguration Configuration, SiteKeyRing SiteKeys, byte[] LayoutSha256, DpSiteInstructions? Privacy)
{
    /// <param name="vouched">Certificates the CA already vouched for in this process (<see cref="VouchedSiteCertificates.Shared"/> when not given).</param>
    /// <exception cref="SecAggProtocolException">the site must refuse the round; the message says why.</exception>
    public static SecureRoundTerms Read(RoundTask task, string siteId, X509Certificate2 federationCa, VouchedSiteCertificates? vouched = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        SecureAggregationTask secure = task.SecureAggregation ?? throw new ArgumentException($"round {task.Round} is not a secure round", nameof(task));
        RoundConfiguration configuration;
        try
        {
            configuration = RoundConfiguration.FromBytes(secure.Configuration.ToByteArray());
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new SecAggProtocolException($"the secure configuration of round {task.Round} is refused: {e.Message}", e);
        }
        if (configuration.RoundId != task.Round)
            throw new SecAggProtocolException($"round {task.Round} carries the secure configuration of round {configuration.RoundId}");
        if (!configuration.Contains(siteId))
            throw new SecAggProtocolException($"round {task.Round}'s secure configuration does not list this site ('{siteId}')");
        DpSiteInstructions? privacy = PrivacyWire.SiteInstructionsOf(task);
        if (privacy is not null && SecureDpQuantization.Problem(configuration, privacy) is string problem)
            throw new SecAggProtocolException($"the secure round is refused: {problem}");
        return new SecureRoundTerms(configuration, KeysOf(secure, configuration, federationCa, vouched ?? VouchedSiteCertificates.Shared), secure.LayoutSha256.ToByteArray(), privacy);
    }

    private static SiteKeyRing KeysOf(SecureAggregationTask secure, RoundConfiguration configuration, X509Certificate2 federationCa, VouchedSiteCertificates vouched)
    {
        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (Google.Protobuf.ByteString der in secure.SiteCertificates)
        {
            VouchedSite? site;
            try
            {
                if (!vouched.TryVouch(der.Span, federationCa, out site, out string reason))
                    throw new SecAggProtocolException($"round {configuration.RoundId} hands out a site certificate the federation CA does not vouch for: {reason}");
            }
            catch (CryptographicException e)
            {
                throw new SecAggProtocolException($"round {configuration.RoundId} hands out a site certificate that cannot be read ({e.Message})", e);
            }
            if (!configuration.Contains(site.SiteId) || !keys.TryAdd(site.SiteId, site.PublicKey))
                throw new SecAggProtocolException($"round {configuration.RoundId} hands out a certificate of site '{site.SiteId}', which is not sampled or comes twice");
        }
        return new SiteKeyRing(keys);
    }
}
