using System.Reflection;
using FedFace.Aggregator.Admin;
using Google.Protobuf;

namespace FedFace.Aggregator.Dashboard;

/// <summary>
/// Serves the dashboard: the page and its scripts (embedded in this assembly, the chart library included), and the
/// federation's status as JSON, the admin service's report in protobuf's JSON mapping, which the page polls.
/// </summary>
public sealed class DashboardPages(DashboardAccess access, FederationReportBuilder reports, DashboardOptions options)
{
    private const string StatusPath = "/api/status";

    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    private static readonly Dictionary<string, (string Resource, string ContentType)> Files = new(StringComparer.Ordinal)
    {
        ["/"] = ("index.html", "text/html; charset=utf-8"),
        ["/dashboard.js"] = ("dashboard.js", "text/javascript; charset=utf-8"),
        ["/dashboard.css"] = ("dashboard.css", "text/css; charset=utf-8"),
        ["/vendor/uPlot.iife.min.js"] = ("vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8"),
        ["/vendor/uPlot.min.css"] = ("vendor/uPlot.min.css", "text/css; charset=utf-8"),
    };

    public async Task ServeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        HttpResponse response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
        response.Headers.CacheControl = "no-store";
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        switch (access.Check(context))
        {
            case DashboardVerdict.Refused:
                await RefuseAsync(response);
                return;
            case DashboardVerdict.ExchangeTokenForCookie:
                access.SetCookie(response);
                response.Redirect(context.Request.PathBase + context.Request.Path);
                return;
        }
        string path = context.Request.Path.Value ?? "/";
        if (path == StatusPath)
        {
            response.ContentType = "application/json; charset=utf-8";
            await response.WriteAsync(Json.Format(reports.Build()), context.RequestAborted);
        }
        else if (Files.TryGetValue(path, out var file))
        {
            response.ContentType = file.ContentType;
            string text = Embedded.Read(file.Resource);
            await response.WriteAsync(path == "/" ? text.Replace("{{REFRESH_MS}}", ((int)(options.RefreshSeconds * 1000)).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) : text,
                context.RequestAborted);
        }
        else
        {
            response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    private static async Task RefuseAsync(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.Headers.WWWAuthenticate = "Bearer realm=\"fedface-dashboard\"";
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync("The FedFace dashboard needs the operator certificate or the dashboard token (open /?token=TOKEN once, or send Authorization: Bearer TOKEN).\n");
    }

    /// <summary>The page's files, embedded at build time (FedFace.Aggregator.csproj) so the aggregator ships as one folder with no web root.</summary>
    private static class Embedded
    {
        private static readonly Assembly Assembly = typeof(DashboardPages).Assembly;
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

        public static string Read(string name) => Cache.GetOrAdd(name, static n =>
        {
            using Stream stream = Assembly.GetManifestResourceStream("dashboard/" + n)
                ?? throw new InvalidOperationException($"the dashboard file '{n}' is not embedded in {Assembly.GetName().Name}");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        });
    }
}
