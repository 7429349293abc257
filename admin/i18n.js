// The console's own words, in zh-CN and English. Labels of states and events come from the
// machine definitions (zh-CN); in English the console shows their identifiers beside them.
export const dictionary = {
  zh: {
    'print.print': '打印', 'print.back': '返回项目', 'print.date': '日期：　　年　　月　　日', 'print.year': '年度', 'print.declaredAt': '申报日期',
    'print.declarationTitle': '镇党建工作项目申报表', 'print.acceptanceTitle': '镇党建工作项目验收结果', 'print.organization': '党组织名称',
    'print.category': '组织类别', 'print.type': '项目类型',
    'print.organizationOpinion': '党组织意见', 'print.townOpinion': '镇党委组织科审核意见', 'print.secretarySigns': '党组织书记（签字）：',
    'print.townSigns': '审核人（签字）：', 'print.seal': '（盖章）', 'print.round': '验收轮次', 'print.projectTitle': '项目名称',
    'print.requestedAt': '申请验收日期', 'print.assessments': '验收组评分', 'print.form': '验收形式', 'print.assessor': '验收组成员',
    'print.findings': '验收意见', 'print.conclusion': '验收结论', 'print.score': '综合得分', 'print.grade': '验收等级', 'print.comment': '评定意见',
    'print.evaluatedAt': '评定日期', 'print.notEvaluated': '尚未评定。', 'print.groupSigns': '验收组成员签字', 'print.groupLeader': '验收组组长（签字）：',
    'project.file': '下载文件', 'form.uploading': '正在上传…', 'project.printDeclaration': '打印申报表', 'project.printAcceptance': '打印验收结果',
    brand: '基层党建项目化管理', 'nav.machines': '流程图', 'nav.projects': '项目', 'nav.year': '年度概览',
    year: '年度', logout: '退出', lang: 'English',
    'login.title': '管理员登录', 'login.hint': '请输入组织科的管理员令牌（API token）。', 'login.token': '令牌', 'login.submit': '登录',
    'login.bad': '令牌无效或无权访问。',
    'machines.title': '各类项目流程与分布', 'machines.hint': '状态颜色越深，本年度处于该状态的项目越多；点击状态查看项目。',
    'legend.none': '无', 'legend.few': '少', 'legend.some': '较多', 'legend.many': '多',
    'projects.title': '项目列表', type: '类型', state: '状态', phase: '阶段', organization: '基层党组织', category: '组织类别',
    overdue: '仅逾期', all: '全部', title: '项目名称', updated: '更新时间', more: '下一页', none: '没有符合条件的项目。',
    filter: '筛选',
    'project.events': '当前可办理', 'project.timers': '待触发的定时事项', 'project.declaration': '申报表', 'project.plan': '实施方案',
    'project.ledger': '台账', 'project.reviews': '评审意见', 'project.evaluations': '验收评定', 'project.history': '办理记录',
    due: '到期', roles: '办理角色', score: '得分', grade: '等级', opinion: '意见', reviewer: '评审人', matter: '事项', target: '目标',
    owner: '责任人', dueDate: '时限', date: '日期', content: '内容', version: '版本', by: '办理人', when: '时间',
    'year.title': '年度概览', 'year.compliance': '"1+X"达标情况', 'year.overdue': '逾期',
    'year.missing': '缺报半年进展', 'year.calendar': '年度日历',
    foundation: '基础强化', elective: '创新/推广', status: '情况',
    'calendar.declaration': '申报截止', 'calendar.meeting': '推进会', 'calendar.report': '进展报送截止', 'calendar.acceptance': '验收截止',
    'types.foundation': '基础强化型', 'types.innovation': '创新探索型', 'types.promotion': '制度推广型',
    'categories.village': '农村', 'categories.organ': '机关', 'categories.school': '学校', 'categories.social': '社会组织', 'categories.enterprise': '企业',
    'phases.declaration': '申报', 'phases.approval': '立项', 'phases.implementation': '实施', 'phases.acceptance': '验收', 'phases.promotion': '推广',
    'status.compliant': '达标', 'status.missingFoundation': '缺基础强化型', 'status.missingElective': '缺创新/推广型', 'status.missingBoth': '未申报',
    nothing: '无', loading: '加载中…', event: '事项', kind: '类别',
    'decl.background': '背景与问题', 'decl.targets': '目标', 'decl.measures': '措施', 'decl.firstResponsible': '第一责任人',
    'decl.directlyResponsible': '直接责任人', 'decl.expectedResults': '预期成果',
    'versions.title': '流程版本', 'versions.since': '启用时间', 'versions.projects': '项目数', 'versions.states': '各状态项目', 'versions.current': '当前',
    'versions.diff': '版本变化', 'diff.statesAdded': '新增状态', 'diff.statesRemoved': '删除状态', 'diff.statesChanged': '变更状态',
    'diff.transitionsAdded': '新增流转', 'diff.transitionsRemoved': '删除流转', 'diff.transitionsChanged': '变更流转', 'diff.eventsAdded': '新增事项', 'diff.eventsRemoved': '删除事项',
    'timer.declarationDeadline': '申报截止', 'timer.progressReportDue': '半年进展报送', 'timer.acceptanceDeadline': '验收截止', 'timer.resubmissionDeadline': '退回重报截止',
    'nav.login': '登录', 'login.titleAny': '登录', 'login.hintAny': '请输入您的令牌（API token）：组织科、基层党组织、评审组或验收组成员各用自己的令牌。',
    'form.add': '添加', 'form.remove': '删除此行', 'form.send': '提交', 'form.cancel': '取消', 'form.sent': '已办理', 'form.reload': '刷新项目', publicityTitle: '活动名称', 'field.id': '编号',
    'project.act': '办理', 'project.allowedNone': '当前没有您可以办理的事项。', 'project.otherRoles': '其他角色可办理',
    'project.progress': '半年进展报告', 'project.assessments': '验收评分（按形式）', 'project.promotion': '推广与制度', 'project.system': '固化的制度',
    'project.publicity': '宣传推广', 'project.spotChecks': '抽查', 'project.closure': '结项', 'project.guidance': '推进会指导意见', 'project.decision': '立项结论',
    'project.requests': '验收申请', 'new.title': '新建申报', 'new.submit': '创建草稿', 'new.hint': '先创建草稿（只需项目名称），再在项目页“修改申报表”中填写完整。',
    round: '第{n}轮', period: '期间', results: '取得成效', problems: '存在问题', late: '逾期报送', form: '形式', assessor: '验收组成员', findings: '评审情况',
    indicators: '指标', comment: '评定意见', evidence: '佐证材料', yes: '是', no: '否', signedInAs: '当前用户', system: '制度', effectiveDate: '施行日期',
    'decision.approved': '批准立项', 'decision.rejected': '不予立项', 'decision.filed': '审核备案',
    'event.CREATE': '创建项目', 'event.MIGRATE': '迁移到新版本流程',
    'role.admin': '组织科（管理员）', 'role.organization': '基层党组织', 'role.reviewer': '评审组成员', 'role.assessor': '验收组成员', 'role.system': '外部系统',
    'grade.excellent': '优秀', 'grade.good': '良好', 'grade.pass': '合格', 'grade.fail': '不合格',
    'option.ledgerInspection': '台账查看', 'option.onSiteReview': '实地评审', 'option.questionnaire': '问卷调查', 'option.democraticAppraisal': '民主测评',
    'option.onSiteMeeting': '现场会', 'option.discussion': '座谈会', 'option.experienceExchange': '经验交流会', 'option.media': '媒体宣传',
    'option.good': '好', 'option.fair': '一般', 'option.poor': '差',
    'option.village': '农村', 'option.organ': '机关', 'option.school': '学校', 'option.social': '社会组织', 'option.enterprise': '企业',
    'option.foundation': '基础强化型', 'option.innovation': '创新探索型', 'option.promotion': '制度推广型',
    'error.RULE_FAILED': '不符合办理条件', 'error.EVENT_NOT_ALLOWED': '项目当前状态不能办理此事项', 'error.VERSION_CONFLICT': '项目已被他人更新，请刷新后再办理',
    'error.VALIDATION_FAILED': '填写内容有误', 'error.FORBIDDEN': '您的角色无权办理此事项', 'error.PROJECT_NOT_FOUND': '项目不存在或无权查看',
    'error.ORGANIZATION_NOT_FOUND': '基层党组织不存在或无权查看', 'error.TOKEN_UNKNOWN': '令牌无效', 'error.TOKEN_EXPIRED': '令牌已过期', 'error.TOKEN_REVOKED': '令牌已被撤销',
    'error.RATE_LIMITED': '操作过于频繁，请稍后再试', 'error.DATABASE_UNAVAILABLE': '数据库暂时不可用，请稍后再试', 'error.UNKNOWN_EVENT': '此流程没有该事项',
    'error.IDEMPOTENCY_IN_PROGRESS': '上一次提交仍在处理中', 'error.CONCURRENT_CHANGE': '他人同时修改了此项目，请重试', 'error.other': '办理未成功',
    'error.field': '“{field}”：{message}', 'error.fieldMessage': '格式或内容不符合要求',
    'field.title': '项目名称', 'field.background': '背景与问题', 'field.targets': '项目目标', 'field.indicator': '指标', 'field.value': '目标值', 'field.unit': '单位',
    'field.measures': '主要措施', 'field.milestones': '进度安排', 'field.date': '日期', 'field.content': '内容', 'field.firstResponsible': '第一责任人',
    'field.directlyResponsible': '直接责任人', 'field.name': '姓名', 'field.position': '职务', 'field.phone': '电话', 'field.expectedResults': '预期成果',
    'field.problem': '针对的新情况、新问题', 'field.timeLimit': '完成期限', 'field.requirements': '工作要求', 'field.handbookVersion': '手册版本',
    'field.handbookItems': '落实的手册事项编号', 'field.sourcePractice': '来源做法', 'field.description': '说明', 'field.projectId': '来源项目',
    'field.systemId': '来源制度', 'field.feasibility': '可行性', 'field.operability': '可操作性', 'field.scope': '推广范围', 'field.reason': '理由',
    'field.reviewer': '评审组成员', 'field.score': '评分', 'field.opinion': '意见', 'field.note': '备注', 'field.items': '实施方案事项',
    'field.matter': '事项', 'field.target': '目标', 'field.owner': '责任人', 'field.responsibility': '责任', 'field.dueDate': '时限',
    'field.planItemId': '对应方案事项（如 P1）', 'field.evidence': '佐证材料', 'field.url': '链接', 'field.completesItem': '本条完成该方案事项',
    'field.period': '半年度（如 2026-H1）', 'field.results': '取得成效', 'field.problems': '存在问题', 'field.summaryReport': '总结报告',
    'field.explanations': '未完成事项说明', 'field.assessor': '验收组成员', 'field.form': '验收形式', 'field.findings': '评审情况', 'field.indicators': '四项指标',
    'field.targetAchievement': '目标实现率', 'field.publicSatisfaction': '群众满意率', 'field.comprehensiveBenefit': '综合效益度', 'field.replicability': '经验可推广性',
    'field.comment': '评定意见', 'field.rationale': '推广价值', 'field.systemTitle': '制度名称', 'field.systemContent': '制度内容', 'field.effectiveDate': '施行日期',
    'field.kind': '形式', 'field.spotCheckId': '抽查批次', 'field.rating': '评价', 'field.guidance': '指导意见', 'field.until': '新的验收期限', 'field.declaration': '申报表',
    'field.type': '项目类型', 'field.organizationId': '基层党组织', 'field.year': '年度', 'field.roundClosedAt': '轮次截止时间',
  },
  en: {
    'print.print': 'Print', 'print.back': 'Back to the project', 'print.date': 'Date: ____ / __ / __', 'print.year': 'Year', 'print.declaredAt': 'Declared on',
    'print.declarationTitle': 'Town Party-building project declaration form', 'print.acceptanceTitle': 'Town Party-building project acceptance result', 'print.organization': 'Party organization',
    'print.category': 'Category', 'print.type': 'Project type',
    'print.organizationOpinion': 'Opinion of the Party organization', 'print.townOpinion': 'Review by the town committee’s organization section', 'print.secretarySigns': 'Secretary (signature):',
    'print.townSigns': 'Reviewer (signature):', 'print.seal': '(seal)', 'print.round': 'Acceptance round', 'print.projectTitle': 'Project title',
    'print.requestedAt': 'Acceptance requested on', 'print.assessments': 'The acceptance group’s assessments', 'print.form': 'Form', 'print.assessor': 'Assessor',
    'print.findings': 'Findings', 'print.conclusion': 'Conclusion', 'print.score': 'Weighted score', 'print.grade': 'Grade', 'print.comment': 'Comment',
    'print.evaluatedAt': 'Evaluated on', 'print.notEvaluated': 'Not evaluated yet.', 'print.groupSigns': 'Signatures of the acceptance group', 'print.groupLeader': 'Group leader (signature):',
    'project.file': 'Download the file', 'form.uploading': 'Uploading…', 'project.printDeclaration': 'Print the declaration form', 'project.printAcceptance': 'Print the acceptance result',
    brand: 'Party-building projects', 'nav.machines': 'Machines', 'nav.projects': 'Projects', 'nav.year': 'Year',
    year: 'Year', logout: 'Log out', lang: '中文',
    'login.title': 'Administrator login', 'login.hint': 'Enter the organization section’s admin API token.', 'login.token': 'Token',
    'login.submit': 'Log in', 'login.bad': 'The token is not valid or may not use the console.',
    'machines.title': 'Project machines and where the year’s projects stand',
    'machines.hint': 'The darker a state, the more of this year’s projects are in it; click a state to list them.',
    'legend.none': 'none', 'legend.few': 'few', 'legend.some': 'some', 'legend.many': 'many',
    'projects.title': 'Projects', type: 'Type', state: 'State', phase: 'Phase', organization: 'Organization', category: 'Category',
    overdue: 'Overdue only', all: 'All', title: 'Title', updated: 'Updated', more: 'Next page', none: 'No project matches.', filter: 'Filter',
    'project.events': 'Allowed now', 'project.timers': 'Pending timers', 'project.declaration': 'Declaration', 'project.plan': 'Plan',
    'project.ledger': 'Ledger', 'project.reviews': 'Reviews', 'project.evaluations': 'Evaluations', 'project.history': 'History',
    due: 'Due', roles: 'Roles', score: 'Score', grade: 'Grade', opinion: 'Opinion', reviewer: 'Reviewer', matter: 'Matter', target: 'Target',
    owner: 'Owner', dueDate: 'Due', date: 'Date', content: 'Content', version: 'Version', by: 'By', when: 'When',
    'year.title': 'The year at a glance', 'year.compliance': '"1+X" compliance', 'year.overdue': 'Overdue',
    'year.missing': 'Missing progress reports', 'year.calendar': 'Calendar',
    foundation: 'Foundation', elective: 'Elective', status: 'Status',
    'calendar.declaration': 'Declaration deadline', 'calendar.meeting': 'Progress meeting', 'calendar.report': 'Reports due',
    'calendar.acceptance': 'Acceptance deadline',
    'types.foundation': 'Foundation', 'types.innovation': 'Innovation', 'types.promotion': 'System promotion',
    'categories.village': 'Village', 'categories.organ': 'Government organ', 'categories.school': 'School', 'categories.social': 'Social organization',
    'categories.enterprise': 'Enterprise',
    'phases.declaration': 'Declaration', 'phases.approval': 'Approval', 'phases.implementation': 'Implementation', 'phases.acceptance': 'Acceptance',
    'phases.promotion': 'Promotion',
    'status.compliant': 'Compliant', 'status.missingFoundation': 'Missing foundation', 'status.missingElective': 'Missing elective',
    'status.missingBoth': 'Nothing declared',
    nothing: 'None', loading: 'Loading…', event: 'Event', kind: 'Kind',
    'decl.background': 'Background', 'decl.targets': 'Targets', 'decl.measures': 'Measures', 'decl.firstResponsible': 'First responsible',
    'decl.directlyResponsible': 'Directly responsible', 'decl.expectedResults': 'Expected results',
    'versions.title': 'Machine versions', 'versions.since': 'Current since', 'versions.projects': 'Projects', 'versions.states': 'Projects by state', 'versions.current': 'current',
    'versions.diff': 'What changed', 'diff.statesAdded': 'States added', 'diff.statesRemoved': 'States removed', 'diff.statesChanged': 'States changed',
    'diff.transitionsAdded': 'Transitions added', 'diff.transitionsRemoved': 'Transitions removed', 'diff.transitionsChanged': 'Transitions changed', 'diff.eventsAdded': 'Events added', 'diff.eventsRemoved': 'Events removed',
    'timer.declarationDeadline': 'Declaration deadline', 'timer.progressReportDue': 'Progress report due',
    'timer.acceptanceDeadline': 'Acceptance deadline', 'timer.resubmissionDeadline': 'Resubmission deadline',
    'nav.login': 'Log in', 'login.titleAny': 'Log in', 'login.hintAny': 'Enter your API token: the organization section, an organization, a review or acceptance group member each use their own.',
    'form.add': 'Add', 'form.remove': 'Remove this row', 'form.send': 'Send', 'form.cancel': 'Cancel', 'form.sent': 'Done', 'form.reload': 'Reload the project', publicityTitle: 'Title',
    'project.act': 'Act', 'project.allowedNone': 'Nothing here is yours to do now.', 'project.otherRoles': 'Others may',
    'project.progress': 'Half-year progress reports', 'project.assessments': 'Assessments by form', 'project.promotion': 'Promotion and system', 'project.system': 'System created',
    'project.publicity': 'Publicity', 'project.spotChecks': 'Spot checks', 'project.closure': 'Closure', 'project.guidance': 'Progress meeting guidance', 'project.decision': 'Approval decision',
    'project.requests': 'Acceptance requests', 'new.title': 'Declare a project', 'new.submit': 'Create the draft', 'new.hint': 'Create a draft (a title is enough), then fill in the whole form with “Update declaration” on its page.',
    round: 'round {n}', period: 'Period', results: 'Results', problems: 'Problems', late: 'Late', form: 'Form', assessor: 'Assessor', findings: 'Findings',
    indicators: 'Indicators', comment: 'Comment', evidence: 'Evidence', yes: 'yes', no: 'no', signedInAs: 'Signed in as', system: 'System', effectiveDate: 'Effective',
    'decision.approved': 'Approved', 'decision.rejected': 'Rejected', 'decision.filed': 'Filed',
    'event.CREATE': 'Created', 'event.MIGRATE': 'Moved to another machine version',
    'role.admin': 'Organization section (admin)', 'role.organization': 'Party organization', 'role.reviewer': 'Review group member', 'role.assessor': 'Acceptance group member', 'role.system': 'Office system',
    'grade.excellent': 'Excellent', 'grade.good': 'Good', 'grade.pass': 'Pass', 'grade.fail': 'Fail',
    'option.ledgerInspection': 'Ledger inspection', 'option.onSiteReview': 'On-site review', 'option.questionnaire': 'Questionnaire', 'option.democraticAppraisal': 'Democratic appraisal',
    'option.onSiteMeeting': 'On-site meeting', 'option.discussion': 'Discussion', 'option.experienceExchange': 'Experience exchange', 'option.media': 'Media',
    'option.good': 'Good', 'option.fair': 'Fair', 'option.poor': 'Poor',
    'option.village': 'Village', 'option.organ': 'Government organ', 'option.school': 'School', 'option.social': 'Social organization', 'option.enterprise': 'Enterprise',
    'option.foundation': 'Foundation', 'option.innovation': 'Innovation', 'option.promotion': 'System promotion',
    'error.RULE_FAILED': 'A rule refused it', 'error.EVENT_NOT_ALLOWED': 'The project’s state does not take this event', 'error.VERSION_CONFLICT': 'Someone changed the project first; reload and try again',
    'error.VALIDATION_FAILED': 'Some fields are not right', 'error.FORBIDDEN': 'Your role may not do this', 'error.PROJECT_NOT_FOUND': 'No such project, or not yours to see',
    'error.ORGANIZATION_NOT_FOUND': 'No such organization, or not yours to see', 'error.TOKEN_UNKNOWN': 'Unknown token', 'error.TOKEN_EXPIRED': 'The token has expired', 'error.TOKEN_REVOKED': 'The token was revoked',
    'error.RATE_LIMITED': 'Too many requests; try again shortly', 'error.DATABASE_UNAVAILABLE': 'The database is unavailable; try again shortly', 'error.UNKNOWN_EVENT': 'This machine has no such event',
    'error.IDEMPOTENCY_IN_PROGRESS': 'The previous send is still being handled', 'error.CONCURRENT_CHANGE': 'Someone changed it at the same moment; try again', 'error.other': 'Not done',
    'error.field': '“{field}”: {message}', 'error.fieldMessage': 'not in the right form',
  },
}

let language = localStorage.getItem('djf.lang') === 'en' ? 'en' : 'zh'
export const lang = () => language
/** A word of the console; in English mode never the Chinese one (a missing English word falls back to the key's own words). */
export const t = (key, values) => {
  const text = dictionary[language][key] ?? (language === 'zh' ? undefined : humanize(key.split('.').pop())) ?? dictionary.zh[key] ?? key
  return values ? text.replace(/\{(\w+)\}/g, (_m, name) => String(values[name])) : text
}

/** An identifier in words: RECORD_REVIEW → Record review, underReview → Under review. */
export function humanize(id) {
  const words = String(id).includes('_') ? String(id).toLowerCase().replace(/_/g, ' ') : String(id).replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

const has = (key) => key in dictionary[language] || (language === 'zh' && key in dictionary.zh)

/** A field's label: the console's word for it, else (in Chinese) the schema's Chinese description, else its name in words. */
export function fieldLabel(name, schema = {}) {
  if (has(`field.${name}`)) return t(`field.${name}`)
  if (language === 'zh' && /[\u4e00-\u9fff]/.test(schema.description ?? '')) return schema.description.split(/[，,（(：:]/)[0]
  return humanize(name)
}

/** A choice's label (a form, a kind, a rating, a category…). */
export const optionLabel = (value) => (has(`option.${value}`) ? t(`option.${value}`) : language === 'zh' ? value : humanize(value))
export function setLanguage(next) {
  language = next
  localStorage.setItem('djf.lang', next)
  document.documentElement.lang = next === 'en' ? 'en' : 'zh-CN'
}
/** A zh-CN label from the API; in English mode its identifier in words. */
export const label = (zh, id) => (language === 'en' && id ? humanize(id) : zh)
