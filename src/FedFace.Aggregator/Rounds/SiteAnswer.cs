using FedFace.Core.Aggregation;
using FedFace.Protocol;

namespace FedFace.Aggregator.Rounds;

/// <summary>
/// How a sampled site answered a round. Each kind is its own type, so whether an update counted is asked of the type,
/// never read from a sentence; <see cref="Describe"/> is the sentence for logs, the round summary and the site's wait reason.
/// </summary>
public abstract record SiteAnswer
{
    private SiteAnswer()
    {
    }

    public abstract string Describe();

    /// <summary>The site's update is folded into the round.</summary>
    public sealed record Accepted : SiteAnswer
    {
        public override string Describe() => "accepted";
    }

    /// <summary>The site's update was refused for a reason the site's protocol names with a code.</summary>
    public sealed record Rejected(Rejection Rejection) : SiteAnswer
    {
        public override string Describe() => Rejection.ToString();
    }

    /// <summary>The site sat the round out (its own policy, say) and told the aggregator why.</summary>
    public sealed record Declined(string Reason) : SiteAnswer
    {
        public override string Describe() => $"declined: {Reason}";
    }

    /// <summary>A secure round refused one of the site's protocol messages; its input is not in the sum.</summary>
    public sealed record SecureMessageRefused(string Reason) : SiteAnswer
    {
        public override string Describe() => Reason;
    }
}
