using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using FedFace.Certs;
using FedFace.Core.Security;
using FedFace.Protocol;

namespace FedFace.Benchmarks;

/// <summary>
/// The peer of the gRPC transfers: one mutual-TLS connection on loopback (SslStream on both ends, the
/// federation's aggregator and site certificates, the protocols the aggregator allows) that copies bytes
/// in 1 MiB writes to a reader consuming all of them. What gRPC, HTTP/2 and protobuf add is measured against it.
/// </summary>
public sealed class RawTlsPipe : IAsyncDisposable
{
    private const SslProtocols Protocols = SslProtocols.Tls13 | SslProtocols.Tls12;

    private readonly TcpClient _serverSocket;
    private readonly TcpClient _clientSocket;
    private readonly SslStream _server;
    private readonly SslStream _client;
    private readonly byte[] _writeBuffer = new byte[TensorWire.MaxChunkBytes];
    private readonly byte[] _readBuffer = new byte[TensorWire.MaxChunkBytes];

    private RawTlsPipe(TcpClient serverSocket, TcpClient clientSocket, SslStream server, SslStream client)
    {
        (_serverSocket, _clientSocket, _server, _client) = (serverSocket, clientSocket, server, client);
        Random.Shared.NextBytes(_writeBuffer);
    }

    public string CipherSuite => _client.NegotiatedCipherSuite.ToString();

    public string Protocol => _client.SslProtocol.ToString();

    public static async Task<RawTlsPipe> OpenAsync(PkiLayout pki, string siteId)
    {
        X509Certificate2 ca = FederationTrust.LoadCertificate(pki.CaCertificate);
        X509Certificate2 serverCertificate = FederationTrust.LoadCertificateWithKey(pki.AggregatorCertificate, pki.AggregatorKey);
        X509Certificate2 siteCertificate = FederationTrust.LoadCertificateWithKey(pki.SiteCertificate(siteId), pki.SiteKey(siteId));

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            // Kestrel and SocketsHttpHandler both disable Nagle; so do we.
            var clientSocket = new TcpClient { NoDelay = true };
            Task<TcpClient> accepting = listener.AcceptTcpClientAsync();
            await clientSocket.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            TcpClient serverSocket = await accepting;
            serverSocket.NoDelay = true;
            var server = new SslStream(serverSocket.GetStream());
            var client = new SslStream(clientSocket.GetStream());
            await Task.WhenAll(
                server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = serverCertificate,
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = Protocols,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    RemoteCertificateValidationCallback = (_, presented, _, _) =>
                        presented is not null && FederationTrust.TryValidateSiteCertificate(Load(presented), ca, out _, out _),
                }),
                client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    ClientCertificates = [siteCertificate],
                    EnabledSslProtocols = Protocols,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    RemoteCertificateValidationCallback = (_, presented, _, errors) =>
                        presented is not null && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
                        && FederationTrust.TryValidateAggregatorCertificate(Load(presented), ca, out _),
                }));
            return new RawTlsPipe(serverSocket, clientSocket, server, client);
        }
        finally
        {
            listener.Stop();
        }
    }

    private static X509Certificate2 Load(X509Certificate presented) => X509CertificateLoader.LoadCertificate(presented.GetRawCertData());

    /// <summary>Copies <paramref name="bytes"/> aggregator → site (a download) or site → aggregator (an upload); returns the seconds.</summary>
    public async Task<double> CopyAsync(bool towardsSite, long bytes)
    {
        (SslStream writer, SslStream reader) = towardsSite ? (_server, _client) : (_client, _server);
        return await Clock.TimeAsync(() => Task.WhenAll(WriteAsync(writer, bytes), ReadAsync(reader, bytes)));
    }

    private async Task WriteAsync(SslStream writer, long bytes)
    {
        for (long left = bytes; left > 0;)
        {
            int count = (int)Math.Min(left, _writeBuffer.Length);
            await writer.WriteAsync(_writeBuffer.AsMemory(0, count));
            left -= count;
        }
        await writer.FlushAsync();
    }

    private async Task ReadAsync(SslStream reader, long bytes)
    {
        for (long left = bytes; left > 0;)
        {
            int read = await reader.ReadAsync(_readBuffer.AsMemory(0, (int)Math.Min(left, _readBuffer.Length)));
            if (read == 0)
            {
                throw new EndOfStreamException($"the raw TLS pipe closed with {left} bytes still to come");
            }
            left -= read;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        _clientSocket.Dispose();
        _serverSocket.Dispose();
    }
}
