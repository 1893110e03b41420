/**
 * Deployment requests: open, submit, amend, withdraw, review, deploy (or break-glass), and the
 * review policy they are judged by. One module per step; this is the public surface.
 */
import 'server-only';
export { WorkflowError, SELF_REVIEW_MESSAGE } from '../review-state';
export * from './schemas';
export { requestWhereVisibleTo } from './visibility';
export {
  evaluateRequest,
  failedValidationRuns,
  findVisibleRequest,
  getReviewPolicy,
  latestValidationRun,
  loadRequest,
  requestInclude,
  requestLink,
  reviewFacts,
  type LoadedRequest,
} from './load';
export { notifyUsers, requestPayload, usersWhoMay } from './transitions';
export { reconcileExportRequests, reconcileRequest, validateAndReconcile } from './reconcile';
export { amendRequest, createDeploymentRequest, submitRequest, withdrawRequest } from './lifecycle';
export { checkDeployPreconditions } from './preconditions';
export { isSelfReviewViolation, precheckReview, reviewRequest } from './review';
export { breakGlassDeploy, deployFromRequest, deploymentBreakGlass } from './deploy-request';
export { listReviewPolicies, setReviewPolicy } from './policy';
