namespace Pulse.Platform.People;

/// <summary>A new member; <paramref name="TemporaryPassword"/> is set (and shown once) when their account was created for them.</summary>
public sealed record AddedMember(MemberDto Member, string? TemporaryPassword);
