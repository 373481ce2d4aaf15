using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Aggregator;

/// <summary>
/// The aggregator's TLS certificate, read again from its two files when either changes, so it can be rotated without
/// downtime: each new connection gets the newest valid one, open connections keep the one they were made with. A
/// replacement that does not load or validate (half written, wrong key, expired, not from the federation CA) is logged
/// and the current certificate stays.
/// </summary>
public sealed class ServerCertificateFiles(string certificatePath, string keyPath, X509Certificate2 initial, X509Certificate2 federationCa, ILogger logger)
{
    private readonly Lock _reload = new();
    private (DateTime, long, DateTime, long) _loaded = Stamp(certificatePath, keyPath);
    private volatile X509Certificate2 _current = initial;

    /// <summary>The certificate for a connection being made now.</summary>
    public X509Certificate2 Current
    {
        get
        {
            (DateTime, long, DateTime, long) stamp = Stamp(certificatePath, keyPath);
            if (stamp == _loaded) return _current;
            lock (_reload)
            {
                if (stamp != _loaded)
                {
                    _loaded = stamp;
                    Reload();
                }
            }
            return _current;
        }
    }

    private void Reload()
    {
        X509Certificate2 replacement;
        try
        {
            replacement = FederationTrust.LoadCertificateWithKey(certificatePath, keyPath);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            logger.LogError("Kept the current server certificate: the new files do not load ({Problem})", e.Message);
            return;
        }
        if (!FederationTrust.TryValidateAggregatorCertificate(replacement, federationCa, out string reason))
        {
            logger.LogError("Kept the current server certificate: the new one in {Path} would be refused by sites: {Reason}", certificatePath, reason);
            replacement.Dispose();
            return;
        }
        // The old certificate is not disposed: connections made with it may still be open.
        _current = replacement;
        logger.LogInformation("Rotated the server certificate: new connections get '{Subject}' (serial {Serial}, valid until {NotAfter:u})",
            replacement.Subject, replacement.SerialNumber, replacement.NotAfter.ToUniversalTime());
    }

    private static (DateTime, long, DateTime, long) Stamp(string certificatePath, string keyPath)
    {
        var certificate = new FileInfo(certificatePath);
        var key = new FileInfo(keyPath);
        return (certificate.Exists ? certificate.LastWriteTimeUtc : default, certificate.Exists ? certificate.Length : -1,
            key.Exists ? key.LastWriteTimeUtc : default, key.Exists ? key.Length : -1);
    }
}
