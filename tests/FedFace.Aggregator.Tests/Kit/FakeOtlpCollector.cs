using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>
/// An OpenTelemetry collector as far as an OTLP/HTTP exporter can tell: real Kestrel on loopback that keeps the body of
/// every export request by path (/v1/traces, /v1/metrics) and answers with an empty export response.
/// </summary>
public sealed class FakeOtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeOtlpCollector(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Path, byte[] Body)> Received { get; } = new();

    /// <summary>The base address to give the exporter.</summary>
    public Uri Endpoint => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<FakeOtlpCollector> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();
        var collector = new FakeOtlpCollector(app);
        app.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            collector.Received.Enqueue((context.Request.Path.Value!, body.ToArray()));
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        return collector;
    }

    /// <summary>Whether any request to <paramref name="path"/> carried <paramref name="text"/> (protobuf keeps strings as UTF-8 bytes).</summary>
    public bool Carried(string path, string text)
    {
        byte[] wanted = System.Text.Encoding.UTF8.GetBytes(text);
        return Received.Any(r => r.Path == path && r.Body.AsSpan().IndexOf(wanted) >= 0);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
