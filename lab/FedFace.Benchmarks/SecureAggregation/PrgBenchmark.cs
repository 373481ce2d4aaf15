using System.Security.Cryptography;
using FedFace.Core.SecureAggregation;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace FedFace.Benchmarks.SecureAggregation;

/// <summary>
/// Mask expansion (<see cref="MaskExpander.Apply"/> on one thread: keystream, then add into the vector) of
/// 8 masks over a 1.2M-word vector, against two peers timed in interleaved pairs on the same bytes: the raw
/// AES-128-CTR keystream of the same BouncyCastle AES-NI engine written into a cache-sized buffer (the
/// ceiling: expansion minus the adds), and BouncyCastle's stock counter mode (<c>SicBlockCipher</c>).
/// </summary>
public static class PrgBenchmark
{
    public const int Words = 1_200_000;
    public const int Masks = 8;

    public static async Task<PrgFigures> RunAsync(int pairs)
    {
        long bytes = (long)Words * sizeof(uint) * Masks;
        MaskTerm[] masks = [.. Enumerable.Range(0, Masks).Select(_ => new MaskTerm(RandomNumberGenerator.GetBytes(32), MaskSign.Add))];
        byte[][] keys = [.. Enumerable.Range(0, Masks).Select(_ => RandomNumberGenerator.GetBytes(AesCtrKeystream.KeyBytes))];
        uint[] vector = new uint[Words];
        byte[] scratch = new byte[MaskExpander.SegmentWords * sizeof(uint)];
        var expander = new MaskExpander(1);
        var raw = new Comparison("prg/raw", bytes, 1e9, "GB/s");
        var stock = new Comparison("prg/sic", bytes, 1e9, "GB/s");
        Console.WriteLine($"PRG: {Masks} masks x {Words:N0} words = {bytes / 1e6:F0} MB of keystream per pass, one thread");

        void RawKeystream()
        {
            foreach (byte[] key in keys)
            {
                var keystream = new AesCtrKeystream(key);
                for (long block = 0; block * 16 < (long)Words * sizeof(uint); block += scratch.Length / 16) keystream.Generate(block, scratch);
            }
        }
        void StockCounterMode()
        {
            foreach (byte[] key in keys)
            {
                var ctr = new BufferedBlockCipher(new SicBlockCipher(AesUtilities.CreateEngine()));
                ctr.Init(true, new ParametersWithIV(new KeyParameter(key), new byte[16]));
                for (long done = 0; done < (long)Words * sizeof(uint); done += scratch.Length) ctr.ProcessBytes(scratch, 0, scratch.Length, scratch, 0);
            }
        }
        void Expand() => expander.Apply(vector, masks);

        int warmUp = await Steadiness.WarmUpAsync(() => { RawKeystream(); StockCounterMode(); Expand(); return Task.CompletedTask; },
            minPasses: 3, maxPasses: 10, settledMethodsPerPass: 0);
        Steadiness steadiness = await Steadiness.MeasureAsync(warmUp, () =>
        {
            for (int pair = 1; pair <= pairs; pair++)
            {
                raw.Add(Clock.Time(RawKeystream), Clock.Time(Expand), pair, pairs);
                stock.Add(Clock.Time(StockCounterMode), Clock.Time(Expand), pair, pairs);
            }
            return Task.CompletedTask;
        });
        Console.WriteLine(raw.Summary());
        Console.WriteLine(stock.Summary());
        return new PrgFigures(
            MaskExpansionGbPerS: Math.Round(raw.SubjectThroughput, 2),
            RawKeystreamGbPerS: Math.Round(raw.PeerThroughput, 2),
            StockCounterModeGbPerS: Math.Round(stock.PeerThroughput, 2),
            RatioVsRawKeystream: Math.Round(raw.Ratio, 3),
            RatioVsStockCounterMode: Math.Round(stock.Ratio, 3),
            Pairs: raw.Count,
            Steadiness: steadiness,
            Method: $"{Masks} masks over {Words:N0} uint32 words on one thread; throughput counts keystream bytes; each ratio is the median over "
                + "interleaved pairs of peer seconds / expansion seconds. Raw keystream: AesCtrKeystream.Generate (BouncyCastle AesEngine_X86.ProcessFourBlocks "
                + "on big-endian counter blocks) into a 64 KiB buffer; stock: BufferedBlockCipher(SicBlockCipher(AesUtilities.CreateEngine())). "
                + "BouncyCastle's ChaCha7539Engine was not used: its stream interface works a byte at a time (~0.15 GB/s here).");
    }
}

public sealed record PrgFigures(double MaskExpansionGbPerS, double RawKeystreamGbPerS, double StockCounterModeGbPerS, double RatioVsRawKeystream,
    double RatioVsStockCounterMode, int Pairs, Steadiness Steadiness, string Method);
