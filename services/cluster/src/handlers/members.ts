import type { ServiceImpl } from "@connectrpc/connect";
import type {
  AddMemberRequest,
  ClusterService,
  MoveLeaderRequest,
  PromoteMemberRequest,
  RemoveMemberRequest,
} from "@guardian/api";
import { auditDetail, type AuditTable } from "@guardian/authz";
import type { ClusterBackend } from "../backend/types.js";
import { checkAddMemberRequest, checkMemberId } from "../check.js";
import { engineToProto, memberToProto } from "../convert.js";

type MemberMethods = Pick<
  ServiceImpl<typeof ClusterService>,
  "listMembers" | "addMember" | "removeMember" | "promoteMember" | "moveLeader"
>;

const member = (id: string) => ({ project: "", target: `members/${id}` });

/** The membership changes, audited with the member they concern. */
export const membershipAudit: AuditTable<typeof ClusterService> = {
  addMember: { target: (req: AddMemberRequest) => member(req.name) },
  removeMember: { target: (req: RemoveMemberRequest) => member(req.id) },
  promoteMember: { target: (req: PromoteMemberRequest) => member(req.id) },
  moveLeader: { target: (req: MoveLeaderRequest) => member(req.targetId) },
};

/** Creates the membership handlers: list the members, add, remove, promote, move the leader. */
export function createMemberHandlers(backend: ClusterBackend): MemberMethods {
  return {
    async listMembers(_req, ctx) {
      const view = await backend.listMembers(ctx.signal);
      return {
        members: view.members.map(memberToProto),
        leaderId: view.leaderId,
        raftTerm: view.raftTerm,
        engine: engineToProto(backend.engine),
        clusterId: view.clusterId,
      };
    },

    async addMember(req, ctx) {
      checkAddMemberRequest(req);
      const input = { peerUrls: [...req.peerUrls], isLearner: req.isLearner, name: req.name };
      auditDetail(ctx, input);
      const added = await backend.addMember(input);
      return {
        member: memberToProto(added.member),
        members: added.members.map(memberToProto),
        initialCluster: added.initialCluster,
      };
    },

    async removeMember(req, ctx) {
      checkMemberId(req.id);
      auditDetail(ctx, { force: req.force });
      const members = await backend.removeMember(req.id, req.force);
      return { members: members.map(memberToProto) };
    },

    async promoteMember(req) {
      checkMemberId(req.id);
      return { member: memberToProto(await backend.promoteMember(req.id)) };
    },

    async moveLeader(req) {
      checkMemberId(req.targetId);
      return { leaderId: await backend.moveLeader(req.targetId) };
    },
  };
}
