using CsCheck;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace FedFace.Fuzz.Tests;

/// <summary>The campaign's own checks catch what they promise, so a green fuzz run is not vacuous.</summary>
public sealed class FuzzCampaignTests : IDisposable
{
    private readonly string _findings = Directory.CreateTempSubdirectory("fedface-fuzz-findings-").FullName;

    [Fact]
    public void A_crash_a_hang_an_allocation_beyond_the_bound_and_a_refusal_without_a_reason_are_each_a_finding()
    {
        var campaign = new FuzzCampaign("self-check", new Quiet())
        {
            PerCase = TimeSpan.FromMilliseconds(300),
            MaxAllocatedBytes = 1 << 20,
            FindingsFolder = _findings,
        };

        var failed = Assert.Throws<TrueException>(() => campaign.Run(Gen.Int[0, 3], ciCases: 40, kind => kind switch
        {
            0 => throw new IndexOutOfRangeException("index was outside the bounds"),
            1 => new byte[4 << 20].Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes held",
            2 => "bad",
            _ => Hang(),
        }, kind => [(byte)kind]));

        Assert.Contains("crash: IndexOutOfRangeException: index was outside the bounds", failed.Message, StringComparison.Ordinal);
        Assert.Contains("memory: ", failed.Message, StringComparison.Ordinal);
        Assert.Contains("refused without a reason naming what was wrong: 'bad'", failed.Message, StringComparison.Ordinal);
        Assert.Contains("hang: no answer within", failed.Message, StringComparison.Ordinal);
        Assert.Equal(4, Directory.GetFiles(_findings).Length);
    }

    private static string Hang()
    {
        Thread.Sleep(TimeSpan.FromSeconds(2));
        return "answered late, after the campaign moved on";
    }

    public void Dispose() => Directory.Delete(_findings, recursive: true);

    private sealed class Quiet : ITestOutputHelper
    {
        public void WriteLine(string message)
        {
        }

        public void WriteLine(string format, params object[] args)
        {
        }
    }
}
