using System.Security.Cryptography;
using System.Text;

namespace FedFace.Aggregator.Dashboard;

/// <summary>
/// Who may read the dashboard: a visitor whose TLS connection carries the operator certificate (the handshake admits no
/// other certificate on this port), or one that shows the token: as a bearer header, as the cookie the page sets, or
/// once in the address (?token=), which is then swapped for the cookie so it leaves the address bar and the history.
/// </summary>
public sealed class DashboardAccess(string? token)
{
    public const string CookieName = "fedface-dashboard";
    public const string TokenParameter = "token";

    private readonly byte[]? _token = token is null ? null : Encoding.UTF8.GetBytes(token);

    public DashboardVerdict Check(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.Query.TryGetValue(TokenParameter, out var offered))
        {
            return Matches(offered.ToString()) ? DashboardVerdict.ExchangeTokenForCookie : DashboardVerdict.Refused;
        }
        if (context.Connection.ClientCertificate is not null)
        {
            return DashboardVerdict.Admitted;
        }
        string? header = context.Request.Headers.Authorization;
        bool admitted = header is { } bearer && bearer.StartsWith("Bearer ", StringComparison.Ordinal) && Matches(bearer["Bearer ".Length..].Trim())
            || context.Request.Cookies.TryGetValue(CookieName, out string? cookie) && Matches(cookie);
        return admitted ? DashboardVerdict.Admitted : DashboardVerdict.Refused;
    }

    /// <summary>Sets the cookie that stands for the token: only over HTTPS, never readable by scripts, never sent cross-site.</summary>
    public void SetCookie(HttpResponse response) =>
        response.Cookies.Append(CookieName, Encoding.UTF8.GetString(_token!), new CookieOptions
        {
            Secure = true,
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/",
        });

    private bool Matches(string? offered) =>
        _token is not null && offered is not null && CryptographicOperations.FixedTimeEquals(_token, Encoding.UTF8.GetBytes(offered));
}

public enum DashboardVerdict
{
    Admitted,
    /// <summary>The right token came in the address: set the cookie and send the visitor to the same page without it.</summary>
    ExchangeTokenForCookie,
    Refused,
}
