// The console's own words, in zh-CN and English. Labels of states and events come from the
// machine definitions (zh-CN); in English the console shows their identifiers beside them.
export const dictionary = {
  zh: {
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
  },
  en: {
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
  },
}

let language = localStorage.getItem('djf.lang') === 'en' ? 'en' : 'zh'
export const lang = () => language
export const t = (key) => dictionary[language][key] ?? dictionary.zh[key] ?? key
export function setLanguage(next) {
  language = next
  localStorage.setItem('djf.lang', next)
  document.documentElement.lang = next === 'en' ? 'en' : 'zh-CN'
}
/** A zh-CN label from the API, with its identifier in English mode. */
export const label = (zh, id) => (language === 'en' && id ? `${id} · ${zh}` : zh)
