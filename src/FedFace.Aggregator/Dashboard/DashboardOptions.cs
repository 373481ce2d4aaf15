namespace FedFace.Aggregator.Dashboard;

/// <summary>
/// The read-only status page (section Aggregator:Dashboard), served over HTTPS with the aggregator's certificate on a
/// port of its own. Off by default: unlike the federation's port it lets a browser without a certificate reach the
/// login check, so opening it is the operator's decision. A visitor needs the operator certificate (fedface-certs
/// writes operator.crt) or the token in TokenPath; anyone else gets 401.
/// </summary>
public sealed class DashboardOptions
{
    /// <summary>The shortest token accepted: shorter ones could be guessed.</summary>
    public const int MinTokenLength = 16;

    /// <summary>Serves the status page on its own HTTPS port (off by default: opening it is the operator's decision).</summary>
    public bool Enabled { get; set; }
    /// <summary>The IP address the page listens on: this machine only by default.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";
    /// <summary>0 picks a free port (tests).</summary>
    public int Port { get; set; } = 7444;
    /// <summary>
    /// A file holding the access token (at least 16 characters; surrounding whitespace ignored), for browsers without the
    /// operator certificate: open https://HOST:PORT/?token=TOKEN once, or send "Authorization: Bearer TOKEN". Unset: the
    /// operator certificate only.
    /// </summary>
    public string? TokenPath { get; set; }
    /// <summary>How often the page asks for the federation's status.</summary>
    public double RefreshSeconds { get; set; } = 2;

    /// <summary>Every problem with the settings, as sentences naming them under <paramref name="section"/>; none when disabled.</summary>
    public IEnumerable<string> Problems(string section, int federationPort)
    {
        if (!Enabled)
        {
            yield break;
        }
        if (!System.Net.IPAddress.TryParse(ListenAddress, out _))
        {
            yield return $"{section}:ListenAddress must be an IP address, got '{ListenAddress}'";
        }
        if (Port is < 0 or > 65535)
        {
            yield return $"{section}:Port must be 0..65535, got {Port}";
        }
        else if (Port != 0 && Port == federationPort)
        {
            yield return $"{section}:Port must differ from Aggregator:Port ({federationPort}): the federation's port takes mutual TLS only";
        }
        if (!(RefreshSeconds is >= 0.1 and <= 3600))
        {
            yield return $"{section}:RefreshSeconds must be in 0.1..3600, got {RefreshSeconds}";
        }
        if (TokenPath is { } path && TokenProblem(path) is { } problem)
        {
            yield return $"{section}:TokenPath {problem}";
        }
    }

    /// <summary>The token in <see cref="TokenPath"/>; null when none is set.</summary>
    public string? ReadToken() => TokenPath is null ? null : File.ReadAllText(TokenPath).Trim();

    private static string? TokenProblem(string path)
    {
        if (!File.Exists(path))
        {
            return $"'{path}' does not exist";
        }
        string token = File.ReadAllText(path).Trim();
        return token.Length < MinTokenLength ? $"'{path}' holds {token.Length} characters; a token needs at least {MinTokenLength}"
            : token.Any(c => c is < '!' or > '~') ? $"'{path}' holds characters other than printable ASCII (a token travels in a header and a cookie)"
            : null;
    }
}
