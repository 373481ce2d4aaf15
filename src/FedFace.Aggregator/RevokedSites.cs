using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator;

/// <summary>
/// The revocation list (<see cref="RevocationOptions.Resolve"/>), read again whenever its file changes: every call looks
/// at the file's time and size (one stat), so a revocation holds from the next call on, without a restart. A list that
/// does not verify against the federation CA is refused at start and, later, logged while the previous one stays in force.
/// </summary>
public sealed class RevokedSites
{
    private readonly string _path;
    private readonly X509Certificate2 _federationCa;
    private readonly ILogger _logger;
    private readonly Lock _reload = new();
    private (DateTime WrittenUtc, long Length)? _loaded;
    private volatile RevocationList _list = RevocationList.Empty;

    public RevokedSites(IOptions<AggregatorOptions> options, AggregatorCredentials credentials, ILogger<RevokedSites> logger)
    {
        _path = options.Value.Revocation.Resolve(options.Value.CaCertificatePath);
        _federationCa = credentials.FederationCa;
        _logger = logger;
        if (!File.Exists(_path))
            logger.LogInformation("No revocation list at {Path} (Aggregator:Revocation:ListPath) yet: no site is revoked until fedface-certs revoke writes one", Path.GetFullPath(_path));
        if (!Refresh(out string? problem))
            throw new InvalidOperationException($"Aggregator:Revocation:ListPath '{_path}': {problem}");
    }

    /// <summary>Why <paramref name="certificate"/> may no longer call, or null while it may.</summary>
    public string? RevocationOf(X509Certificate2 certificate)
    {
        if (!Refresh(out string? problem))
            _logger.LogError("Kept the previous revocation list: {Path} {Problem}", _path, problem);
        if (!_list.TryGetRevocation(certificate, out DateTimeOffset revokedAt)) return null;
        string at = revokedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        return $"the certificate '{certificate.Subject}' (serial {RevocationList.SerialOf(certificate)}) was revoked by the federation on {at}; "
            + "ask the federation's operator for a new startup kit";
    }

    private bool Refresh(out string? problem)
    {
        problem = null;
        var file = new FileInfo(_path);
        if (!file.Exists) return true;
        (DateTime, long) stamp = (file.LastWriteTimeUtc, file.Length);
        lock (_reload)
        {
            if (_loaded == stamp) return true;
            _loaded = stamp;
            try
            {
                _list = RevocationList.Parse(File.ReadAllBytes(_path), _federationCa);
                _logger.LogInformation("Loaded the revocation list {Path}: {Count} site certificate(s) revoked", _path, _list.Count);
                return true;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                problem = e.Message;
                return false;
            }
        }
    }
}
