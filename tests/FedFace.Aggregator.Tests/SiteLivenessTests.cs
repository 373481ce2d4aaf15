namespace FedFace.Aggregator.Tests;

public sealed class SiteLivenessTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_site_silent_past_the_timeout_is_not_live_is_reported_gone_once_and_returns_with_its_next_call()
    {
        var liveness = new SiteLiveness(TimeSpan.FromSeconds(10));
        liveness.Contact("a", Start);
        liveness.Contact("b", Start);
        liveness.Contact("a", Start.AddSeconds(8));

        Assert.Equal(["a", "b"], liveness.Live(["a", "b"], Start.AddSeconds(10), out var noneGone));
        Assert.Empty(noneGone);
        Assert.Equal(["a"], liveness.Live(["a", "b"], Start.AddSeconds(12), out var gone));
        Assert.Equal([("b", TimeSpan.FromSeconds(12))], gone);
        Assert.Equal(["a"], liveness.Live(["a", "b"], Start.AddSeconds(13), out var goneAgain));
        Assert.Empty(goneAgain);

        Assert.Null(liveness.Contact("a", Start.AddSeconds(14)));
        Assert.Equal(TimeSpan.FromSeconds(20), liveness.Contact("b", Start.AddSeconds(20)));
        Assert.Equal(["a", "b"], liveness.Live(["a", "b"], Start.AddSeconds(21), out _));
    }

    [Fact]
    public void A_site_never_heard_from_is_live_from_the_first_time_it_is_asked_about_and_times_out_like_any_other()
    {
        var liveness = new SiteLiveness(TimeSpan.FromSeconds(1));
        Assert.Equal(["new"], liveness.Live(["new"], Start, out _));
        Assert.Empty(liveness.Live(["new"], Start.AddSeconds(2), out _));
    }
}
