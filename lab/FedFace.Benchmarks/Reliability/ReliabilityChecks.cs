namespace FedFace.Benchmarks.Reliability;

/// <summary>Tests of one test project that pin a row: each entry "Class" or "Class.MethodPrefix", matched inside the test's full name.</summary>
public sealed record TestSelection(string Project, IReadOnlyList<string> Tests);

/// <summary>Where a row's figures come from beyond tests: a long scripted run, or the load run's result file.</summary>
public enum ScriptedSource
{
    None,
    CrashLoop,
    Fuzz,
    LoadJoins,
    LoadHeldOpen,
    LoadSlowSender,
    ProcessKillLoop,
}

/// <summary>
/// One row of the reliability table: a fault, bad input or attack, the tests (and scripted run) that try it, and what those
/// tests assert when they pass: <paramref name="DataLostWhenPassed"/> states what they check about data, <paramref name="MessageAsserted"/>
/// whether they check the refusal's or the fault's message text. The figures come from the run.
/// </summary>
/// <param name="FuzzTarget">the fuzz campaign's target name as the tests print it ("fuzz TARGET: N cases run"), for cases counted in inputs.</param>
public sealed record ReliabilityCheck(string Kind, string Check, IReadOnlyList<TestSelection> Selections, string DataLostWhenPassed, bool MessageAsserted,
    ScriptedSource Scripted = ScriptedSource.None, IReadOnlyList<string>? FuzzTargets = null);

/// <summary>Every row of the table: each fault kind, bad-input kind and attack FedFace is tried against.</summary>
public static class ReliabilityChecks
{
    private const string Aggregator = "FedFace.Aggregator.Tests", Certs = "FedFace.Certs.Tests", Core = "FedFace.Core.Tests",
        Vision = "FedFace.Vision.Tests", Fuzz = "FedFace.Fuzz.Tests";

    private const string Handshake = "none at stake: refused at the TLS handshake";
    private const string ValidStillCommit = "none: the round's valid updates still commit";
    private const string NoRoundLost = "none: resumed from the last committed round, hash chain whole, no leftovers";

    private static TestSelection In(string project, params string[] tests) => new(project, tests);

    public static IReadOnlyList<ReliabilityCheck> All { get; } =
    [
        new("certificate", "no client certificate", [In(Aggregator, "MutualTlsTests.A_client_without_a_certificate")], Handshake, true),
        new("certificate", "certificate of another federation's CA", [In(Aggregator, "MutualTlsTests.A_site_certificate_issued_by_another_CA"),
            In(Certs, "FederationTrustTests.A_site_certificate_from_another_federation")], Handshake, true),
        new("certificate", "expired certificate", [In(Certs, "FederationTrustTests.An_expired_site_certificate")], Handshake, true),
        new("certificate", "not-yet-valid certificate", [In(Certs, "FederationTrustTests.A_site_certificate_not_valid_yet")], Handshake, true),
        new("certificate", "wrongly used certificate (server-only as client, site as server, CA as site)", [
            In(Aggregator, "MutualTlsTests.The_aggregators_own_server_only_certificate"),
            In(Certs, "FederationTrustTests.The_aggregator_certificate_is_refused_as_a_site", "FederationTrustTests.A_site_certificate_is_refused_as_the_aggregator",
                "FederationTrustTests.The_ca_itself_is_refused_as_a_site")], Handshake, true),
        new("fault", "kill -9 of the aggregator process inside a commit", [In(Aggregator, "CommitCrashProcessTests.An_aggregator_process_killed")], NoRoundLost, false),
        new("fault", "crash at each step of a commit (every file × write, flush, rename, directory flush)", [In(Aggregator, "CommitCrashTests.")], NoRoundLost, false),
        new("fault", "crash loop: lives ending at random commit steps", [In(Aggregator, "CommitCrashLoopTests.")], NoRoundLost + "; no round committed twice", false,
            ScriptedSource.CrashLoop),
        new("fault", "kill -9 of the real aggregator and site processes over many rounds (at random times, inside commits, sites mid-training and mid-upload)",
            [], NoRoundLost + "; no round committed twice; killed sites rejoin", false, ScriptedSource.ProcessKillLoop),
        new("fault", "aggregator restart with sites mid-round", [In(Aggregator, "CrashSafetyTests.")], NoRoundLost, false),
        new("fault", "network outage at a site (retries, give-up)", [In(Aggregator, "TransientFaultsOverTheWireTests.")], "none: the site resumes its round", true),
        new("fault", "a site that goes silent mid-federation", [In(Aggregator, "SiteLivenessOverTheWireTests.")], "none: the round closes with the live sites", false),
        new("fault", "sites leaving a secure round at each stage", [In(Aggregator, "SecureAggregationOverTheWireTests.Sites_vanishing",
            "SecureAggregationOverTheWireTests.Too_many_sites_leaving")], "none: survivors' sum committed, or nothing committed and the next round opens", true),
        new("bad input", "bad photos (truncated, empty, foreign, huge, lying headers), refused one by one", [
            In(Vision, "SiteAlignmentTests.EveryBadFileKindGetsItsReason", "SiteAlignmentTests.AValidButHugeImage", "ImageFileInspectorTests.TruncatedFiles",
                "ImageFileInspectorTests.EmptyAndForeignFiles", "ImageFileInspectorTests.HeadersClaimingMoreThan40", "ImageFileInspectorTests.HeadersWhoseSizes",
                "ImageDecodingTests.A_photo_that_decodes_to_another_size")], "none: the other photos are used", true),
        new("bad input", "NaN, infinite or overflowing values in an update", [
            In(Aggregator, "UpdateValidationTests.Each_stale_malformed_non_finite", "PoisonedUpdateTests.An_element_that_would_overflow"),
            In(Core, "UpdateValidatorTests.A_value_that_is_not_finite", "UpdateValidatorTests.The_first_non_finite", "UpdateValidatorTests.Positive_and_negative_infinity",
                "UpdateValidatorTests.Finite_values_whose_sum_overflows")], ValidStillCommit + "; nothing non-finite committed", true),
        new("bad input", "wrong shapes, unknown, missing or repeated tensors", [
            In(Aggregator, "UpdateValidationTests.Each_stale_malformed_non_finite"),
            In(Core, "UpdateValidatorTests.A_tensor_with_another_shape", "UpdateValidatorTests.A_missing_tensor", "UpdateValidatorTests.A_tensor_outside",
                "UpdateValidatorTests.A_tensor_declared_twice", "UpdateValidatorTests.A_tensor_that_is_not_float32")], ValidStillCommit, true),
        new("bad input", "wrong rounds (stale, future, wrong base model, after the deadline)", [
            In(Aggregator, "UpdateValidationTests.Each_stale_malformed_non_finite", "UpdateValidationTests.An_update_sent_after")], ValidStillCommit, true),
        new("bad input", "duplicate updates", [In(Aggregator, "UpdateValidationTests.Each_stale_malformed_non_finite")], ValidStillCommit + "; the first counted once", true),
        new("bad input", "oversized chunks, more or less data than declared", [
            In(Aggregator, "UpdateValidationTests.Each_stale_malformed_non_finite"),
            In(Core, "TensorAssemblerTests.Refuses_a_single_oversized_chunk", "StreamedModelHashTests.Data_beyond_or_short_of_the_declared_size")], ValidStillCommit, true),
        new("bad input", "inflated example counts, implausibly large model moves", [In(Aggregator, "PoisonedUpdateTests.")],
            "none: the round is refused and the committed model and optimiser state are kept", true),
        new("bad input", "a global model with a bad signature or non-finite values (at the site)", [
            In(Aggregator, "ModelTransferTests.A_model_whose_signature_does_not_check_out", "ModelTransferTests.A_site_refuses_to_load_a_non_finite")],
            "none: the site keeps its model", true),
        new("attack", "scaled (×10) and sign-flipped updates", [
            In(Aggregator, "RobustAggregationOverTheWireTests.", "RobustRuleTests.", "RobustStrategyTests.Norm_bounding")],
            "none: a robust rule keeps the model near the honest mean", false),
        new("attack", "a masked input sent in another site's name", [In(Aggregator, "SecureAggregationOverTheWireTests.A_masked_input_in_another_sites_name")],
            ValidStillCommit, true),
        new("attack", "a malicious aggregator (withheld shares, split survivor sets)", [In(Aggregator, "MaliciousAggregatorOverTheWireTests.")],
            "none: every honest site refuses to unmask", true),
        new("attack", "held-open upload streams (per-site limit, chunk timeout, round close)", [In(Aggregator, "HeldUploadTests.")],
            "none: buffers only what arrived, freed when the stream ends", true),
        new("attack", "held-open uploads from every tenth site under load", [], "none: honest rounds commit", true, ScriptedSource.LoadHeldOpen),
        new("attack", "slow senders (1 KiB just inside the chunk timeout) under load", [], "none: honest rounds commit", true, ScriptedSource.LoadSlowSender),
        new("load", "concurrent mutual-TLS joins, then rounds with real-size uploads", [], "none: every round that finished committed", false, ScriptedSource.LoadJoins),
        new("fuzz", "mutated update uploads and model downloads", [In(Fuzz, "WireFuzzTests.")], "none: built only from data matching its hash", true, ScriptedSource.Fuzz,
            ["update-upload", "model-download"]),
        new("fuzz", "mutated secure-aggregation stage messages and round terms", [In(Fuzz, "SecureAggregationMessageFuzzTests.", "SecureRoundTermsFuzzTests.")],
            "none at stake: parsing only", true, ScriptedSource.Fuzz, ["secure-aggregation-messages", "secure-round-terms"]),
        new("fuzz", "mutated model files", [In(Fuzz, "ModelFileFuzzTests.")], "none at stake: read or refused", true, ScriptedSource.Fuzz, ["model-file"]),
        new("fuzz", "mutated photos (JPEG, PNG, BMP, PGM, WebP)", [In(Fuzz, "ImageFuzzTests.")], "none at stake: decoded or refused", true, ScriptedSource.Fuzz, ["images"]),
    ];
}
